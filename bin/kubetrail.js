#!/usr/bin/env node
// The installed entry point: a thin shim over the CLI's bundle (dist/cli, from npm run build).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
