import assert from "node:assert/strict";
import { signCommandFor, splitCommandLine, windowsCompileFlags } from "./windows_build.ts";

Deno.test("windowsCompileFlags adds --no-terminal and --icon when asked", () => {
  assert.deepEqual(windowsCompileFlags({}), []);
  assert.deepEqual(windowsCompileFlags({ noTerminal: true, icon: "C:\\b\\hangar.ico" }), [
    "--no-terminal",
    "--icon",
    "C:\\b\\hangar.ico",
  ]);
});

Deno.test("signCommandFor splits the command and puts the file last or at {file}", async (t) => {
  const cases: [string, string[]][] = [
    ["signtool sign /fd sha256 /a", [
      "signtool",
      "sign",
      "/fd",
      "sha256",
      "/a",
      "D:\\out dir\\agent.exe",
    ]],
    [
      'signtool sign /f "C:\\keys\\my cert.pfx" /tr http://ts.example/ {file}',
      [
        "signtool",
        "sign",
        "/f",
        "C:\\keys\\my cert.pfx",
        "/tr",
        "http://ts.example/",
        "D:\\out dir\\agent.exe",
      ],
    ],
    ["osslsigncode sign -in {file} -out {file}.signed", [
      "osslsigncode",
      "sign",
      "-in",
      "D:\\out dir\\agent.exe",
      "-out",
      "D:\\out dir\\agent.exe.signed",
    ]],
  ];
  for (const [command, expected] of cases) {
    await t.step(
      command,
      () => assert.deepEqual(signCommandFor(command, "D:\\out dir\\agent.exe"), expected),
    );
  }
  await t.step("unclosed quotes and an empty command are errors", () => {
    assert.throws(() => splitCommandLine('signtool "sign'), /Unclosed " in the command/);
    assert.throws(() => signCommandFor("   ", "a.exe"), /--sign-command is empty/);
  });
});
