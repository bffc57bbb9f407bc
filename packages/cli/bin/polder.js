#!/usr/bin/env node
// Runs the TypeScript sources through tsx so that a fresh `npm install` is enough: no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/index.ts');
process.exitCode = await main(process.argv);
