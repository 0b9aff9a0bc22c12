#!/usr/bin/env node
// Labkit runs its TypeScript sources directly: Node 24 strips types natively.
import { main } from '../src/main.ts';

process.exitCode = await main(process.argv.slice(2));
