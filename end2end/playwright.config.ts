import { defineConfig } from "@playwright/test";

// One server, one worker. Each spec makes the data it changes, so any spec runs alone (`-g`, a file)
// or in any order; the "no-javascript" project runs the flows that must work before hydration with
// the browser's JavaScript off.
export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "console", testIgnore: /nojs\.spec\.ts/ },
    { name: "no-javascript", testMatch: /nojs\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
});
