/** A `<select>` inside its `<label>`, for the filter bars: "Any" first unless told otherwise. */

/** An option's value, or its value and the text shown for it. */
export type SelectOption = string | { value: string; label: string };

export interface LabelledSelectProps {
  label: string;
  name: string;
  value: string;
  options: SelectOption[];
  /** The first option, with the value "" (default "Any"); null for none. */
  any?: string | null;
  /** Classes of the label. */
  class?: string;
  onChange: (value: string) => void;
}

export function LabelledSelect(props: LabelledSelectProps) {
  const any = props.any === undefined ? "Any" : props.any;
  return (
    <label class={props.class}>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {any !== null && <option value="">{any}</option>}
        {props.options.map((option) => {
          const { value, label } = typeof option === "string"
            ? { value: option, label: option }
            : option;
          return <option key={value} value={value}>{label}</option>;
        })}
      </select>
    </label>
  );
}
