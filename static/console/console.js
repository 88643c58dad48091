// Starts the merchant console (built by `cargo xtask widget` into ./pkg).
import init, { start } from "./pkg/loyalty_console.js";

await init();
start(document.getElementById("console"));
