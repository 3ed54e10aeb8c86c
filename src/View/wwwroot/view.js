// The live activation view: draw or upload an image, send it to the engine (one evaluation returns every layer's
// output), draw each layer, and on hover ask the engine which units a unit reads and which pixels it sees.
'use strict';

const CELL = 8;              // pixels per unit of a vector strip
const STRIP_WRAP = 64;       // units per row of a strip
const INK = 22;              // stroke width on the 280x280 pad

const view = window.mlnetconvView = {
  model: null, updates: 0, lastRequest: null, lastResponse: null, roundTrips: [], hovered: null,
  benchmark: async (n) => { const times = []; for (let i = 0; i < n; i++) times.push(await update(true)); return times; },
  idle: () => !inFlight && !dirty,
};

const pad = document.getElementById('pad');
const padContext = pad.getContext('2d');
const seen = document.getElementById('seen');
const status = document.getElementById('status');
let strokes = [];            // each a list of [x, y] pad points
let background = null;       // an uploaded image, drawn under the strokes
let inFlight = false, dirty = false;
const panels = [];           // per layer: { message, element, tiles: [{ wrapper, canvas }], scale }

function fail(message) { status.textContent = message; }

async function getJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function floats(base64) {
  const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

// The colour of value v in a layer whose values run from min to max, written into data at byte at: diverging
// blue-white-red around 0 when the layer has negative values, black-red-yellow-white otherwise.
function paint(data, at, v, min, max) {
  if (min < 0) {
    const m = Math.max(-min, max) || 1, t = Math.max(-1, Math.min(1, v / m));
    if (t >= 0) { data[at] = 255; data[at + 1] = data[at + 2] = Math.round(255 * (1 - t)); }
    else { data[at] = data[at + 1] = Math.round(255 * (1 + t)); data[at + 2] = 255; }
  } else {
    const t = max > min ? Math.max(0, Math.min(1, (v - min) / (max - min))) : 0;
    data[at] = Math.round(255 * Math.min(1, 1.6 * t));
    data[at + 1] = Math.round(255 * Math.max(0, 1.6 * t - 0.6));
    data[at + 2] = Math.round(255 * Math.max(0, 3 * t - 2));
  }
  data[at + 3] = 255;
}

function colour(v, min, max) {
  const data = [0, 0, 0, 0];
  paint(data, 0, v, min, max);
  return data.slice(0, 3);
}

function paintMap(tile, values, offset, h, w, scale, min, max) {
  const context = tile.context ??= tile.canvas.getContext('2d');
  const image = tile.image ??= context.createImageData(w * scale, h * scale);
  const data = image.data, row = 4 * w * scale;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const first = y * scale * row + 4 * x * scale;
    paint(data, first, values[offset + y * w + x], min, max);
    for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) {
      if (dx === 0 && dy === 0) continue;
      const at = first + dy * row + 4 * dx;
      data[at] = data[first]; data[at + 1] = data[first + 1]; data[at + 2] = data[first + 2]; data[at + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
}

function buildPanels(model) {
  const root = document.getElementById('layers');
  model.layers.forEach((layer, index) => {
    const element = document.createElement('div');
    element.className = 'layer';
    element.dataset.path = layer.path;
    element.dataset.index = index;
    const title = document.createElement('h3');
    title.textContent = layer.path;
    const small = document.createElement('small');
    small.textContent = `${layer.description}  →  ${layer.shape.join(' x ')}`;
    title.appendChild(small);
    element.appendChild(title);
    const tiles = document.createElement('div');
    tiles.className = 'tiles';
    element.appendChild(tiles);
    const panel = { message: layer, element, tiles: [], scale: 1 };
    if (layer.kind === 'maps') {
      const [c, h, w] = layer.shape.length === 3 ? layer.shape : [layer.shape[0], 1, layer.shape[1]];
      panel.h = h; panel.w = w; panel.c = c;
      panel.scale = Math.max(1, Math.min(8, Math.floor(84 / Math.max(h, w))));
      for (let k = 0; k < layer.shown; k++) {
        const wrapper = document.createElement('div');
        wrapper.className = 'tile';
        wrapper.dataset.channel = k;
        const canvas = document.createElement('canvas');
        canvas.width = w * panel.scale; canvas.height = h * panel.scale;
        canvas.title = `${layer.path} channel ${k}`;
        wrapper.appendChild(canvas);
        tiles.appendChild(wrapper);
        panel.tiles.push({ wrapper, canvas });
        canvas.addEventListener('mousemove', e => hover(index, k, Math.floor(e.offsetY / panel.scale), Math.floor(e.offsetX / panel.scale)));
      }
      if (c > layer.shown) note(element, `showing ${layer.shown} of ${c} channels`);
    } else {
      const n = layer.shape.reduce((a, b) => a * b, 1);
      panel.c = n; panel.h = 1; panel.w = 1;
      const shown = layer.shown, columns = Math.min(shown, STRIP_WRAP), rows = Math.ceil(shown / STRIP_WRAP);
      const wrapper = document.createElement('div');
      wrapper.className = 'tile strip';
      const canvas = document.createElement('canvas');
      canvas.width = columns * CELL; canvas.height = rows * CELL;
      canvas.title = `${layer.path}: ${n} units`;
      wrapper.appendChild(canvas);
      tiles.appendChild(wrapper);
      panel.tiles.push({ wrapper, canvas });
      panel.shown = shown;
      canvas.addEventListener('mousemove', e => {
        const unit = Math.floor(e.offsetY / CELL) * STRIP_WRAP + Math.floor(e.offsetX / CELL);
        if (unit < shown) hover(index, unit, 0, 0);
      });
      if (n > shown) note(element, `showing ${shown} of ${n} units`);
    }
    root.appendChild(element);
    panels.push(panel);
  });
}

function note(element, text) {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  element.appendChild(p);
}

function paintLayers(response) {
  response.layers.forEach((layer, index) => {
    const panel = panels[index], values = floats(layer.values);
    if (panel.message.kind === 'maps') {
      panel.tiles.forEach((tile, k) => paintMap(tile, values, k * panel.h * panel.w, panel.h, panel.w, panel.scale, layer.min, layer.max));
    } else {
      const context = panel.tiles[0].canvas.getContext('2d');
      context.fillStyle = '#fff';
      context.fillRect(0, 0, panel.tiles[0].canvas.width, panel.tiles[0].canvas.height);
      for (let u = 0; u < panel.shown; u++) {
        const [r, g, b] = colour(values[u], layer.min, layer.max);
        context.fillStyle = `rgb(${r},${g},${b})`;
        context.fillRect((u % STRIP_WRAP) * CELL, Math.floor(u / STRIP_WRAP) * CELL, CELL - 1, CELL - 1);
      }
    }
  });
}

function paintSeen(response) {
  const { channels, height, width, pixels } = response;
  const scale = Math.max(1, Math.floor(168 / Math.max(height, width)));
  seen.width = width * scale; seen.height = height * scale;
  seen.dataset.scale = scale;
  const context = seen.getContext('2d');
  const image = context.createImageData(width * scale, height * scale);
  const plane = height * width;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = y * width + x;
    const rgb = channels === 1 ? [pixels[i], pixels[i], pixels[i]] : [pixels[i], pixels[plane + i], pixels[2 * plane + i]];
    for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) {
      const at = 4 * ((y * scale + dy) * width * scale + x * scale + dx);
      image.data[at] = rgb[0]; image.data[at + 1] = rgb[1]; image.data[at + 2] = rgb[2]; image.data[at + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
}

function paintPrediction(response) {
  const prediction = document.getElementById('prediction'), list = document.getElementById('top5');
  list.replaceChildren();
  if (!response.top) { prediction.textContent = '—'; prediction.dataset.index = ''; return; }
  const best = response.top[0];
  prediction.textContent = `${best.label}  (${(100 * best.probability).toFixed(1)} %)`;
  prediction.dataset.index = best.index;
  prediction.dataset.label = best.label;
  for (const p of response.top) {
    const item = document.createElement('li');
    item.dataset.index = p.index;
    const name = document.createElement('span'); name.textContent = p.label;
    const bar = document.createElement('div'); bar.className = 'bar'; bar.style.width = `${(100 * p.probability).toFixed(1)}%`;
    const value = document.createElement('span'); value.textContent = `${(100 * p.probability).toFixed(1)} %`;
    item.append(name, bar, value);
    list.appendChild(item);
  }
}

// The pad read at the network's input size: R, G, B planes, or the red plane for a grey network (white ink on black).
function padPixels() {
  const [c, h, w] = view.model.input;
  const small = document.createElement('canvas');
  small.width = w; small.height = h;
  const context = small.getContext('2d');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(pad, 0, 0, w, h);
  const data = context.getImageData(0, 0, w, h).data;
  const channels = c === 1 ? 1 : 3, plane = h * w, pixels = new Array(channels * plane);
  for (let i = 0; i < plane; i++) for (let k = 0; k < channels; k++) pixels[k * plane + i] = data[4 * i + k];
  return { width: w, height: h, channels, pixels };
}

function redrawPad() {
  padContext.fillStyle = '#000';
  padContext.fillRect(0, 0, pad.width, pad.height);
  if (background) padContext.drawImage(background, 0, 0, pad.width, pad.height);
  padContext.strokeStyle = '#fff';
  padContext.lineWidth = INK;
  padContext.lineCap = 'round';
  padContext.lineJoin = 'round';
  for (const stroke of strokes) {
    padContext.beginPath();
    stroke.forEach(([x, y], i) => i === 0 ? padContext.moveTo(x, y) : padContext.lineTo(x, y));
    if (stroke.length === 1) padContext.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
    padContext.stroke();
  }
}

function show(response, started) {
  view.lastResponse = response;
  paintSeen(response);
  paintLayers(response);
  paintPrediction(response);
  const elapsed = performance.now() - started;
  view.roundTrips.push(elapsed);
  const recent = view.roundTrips.slice(-50).sort((a, b) => a - b);
  document.getElementById('timing').textContent =
    `round trip ${elapsed.toFixed(1)} ms (median ${recent[Math.floor(recent.length / 2)].toFixed(1)} ms of the last ${recent.length}; engine ${response.serverMilliseconds.toFixed(1)} ms)`;
  view.updates++;
  document.body.dataset.updates = view.updates;
  status.textContent = '';
  return elapsed;
}

// One drawing update: the pad's pixels to the engine, every layer back. Returns the round trip in milliseconds.
async function update(force) {
  if (inFlight && !force) { dirty = true; return; }
  inFlight = true;
  try {
    const request = padPixels();
    view.lastRequest = request;
    const started = performance.now();
    const response = await getJson('/api/activations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
    return show(response, started);
  } catch (e) {
    fail(e.message);
  } finally {
    inFlight = false;
    if (dirty && !force) { dirty = false; update(); }
  }
}

function padPoint(e) {
  const box = pad.getBoundingClientRect();
  return [(e.clientX - box.left) * pad.width / box.width, (e.clientY - box.top) * pad.height / box.height];
}

pad.addEventListener('pointerdown', e => {
  pad.setPointerCapture(e.pointerId);
  strokes.push([padPoint(e)]);
  redrawPad();
  update();
});
pad.addEventListener('pointermove', e => {
  if (!pad.hasPointerCapture(e.pointerId) || strokes.length === 0) return;
  strokes[strokes.length - 1].push(padPoint(e));
  redrawPad();
  update();
});
pad.addEventListener('pointerup', e => { if (pad.hasPointerCapture(e.pointerId)) pad.releasePointerCapture(e.pointerId); update(); });
document.getElementById('clear').addEventListener('click', () => { strokes = []; background = null; redrawPad(); update(); });
document.getElementById('undo').addEventListener('click', () => { strokes.pop(); redrawPad(); update(); });
document.getElementById('upload').addEventListener('change', async e => {
  const file = e.target.files[0];
  if (!file) return;
  try {
    const started = performance.now();
    const response = await getJson('/api/image', { method: 'POST', body: file });
    background = await createImageBitmap(file);
    strokes = [];
    redrawPad();
    show(response, started);
  } catch (error) {
    fail(error.message);
  }
  e.target.value = '';
});

// Hover: the unit, the units it reads in the layers before it and its receptive field in the image.
let hoverToken = 0;
async function hover(index, c, y, x) {
  const key = `${index}/${c}/${y}/${x}`;
  if (view.hovered === key) return;
  view.hovered = key;
  const token = ++hoverToken;
  const layer = view.model.layers[index];
  try {
    const links = await getJson(`/api/links?layer=${encodeURIComponent(layer.path)}&c=${c}&y=${y}&x=${x}`);
    if (token !== hoverToken) return;
    highlight(index, links);
  } catch (e) {
    fail(e.message);
  }
}

// The node-link part: lines from the hovered unit to each group of units it reads, on an SVG over the whole page.
const linkLayer = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
linkLayer.id = 'links';
document.body.appendChild(linkLayer);
const MAX_LINES = 256;

function centre(element) {
  const box = element.getBoundingClientRect();
  return [box.left + box.width / 2 + window.scrollX, box.top + box.height / 2 + window.scrollY];
}

function drawLines(from, targets) {
  linkLayer.setAttribute('width', document.documentElement.scrollWidth);
  linkLayer.setAttribute('height', document.documentElement.scrollHeight);
  const [x1, y1] = centre(from);
  for (const target of targets.slice(0, MAX_LINES)) {
    const [x2, y2] = centre(target);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    line.setAttribute('x1', x1); line.setAttribute('y1', y1); line.setAttribute('x2', x2); line.setAttribute('y2', y2);
    linkLayer.appendChild(line);
  }
}

function clearMarks() {
  linkLayer.replaceChildren();
  document.querySelectorAll('.mark').forEach(m => m.remove());
  document.querySelectorAll('.tile.linked').forEach(t => t.classList.remove('linked'));
  document.querySelectorAll('.layer.source, .layer.hovered').forEach(l => l.classList.remove('source', 'hovered'));
}

function mark(tile, top, left, height, width, className) {
  const m = document.createElement('div');
  m.className = className;
  Object.assign(m.style, { top: `${top}px`, left: `${left}px`, height: `${height}px`, width: `${width}px` });
  tile.wrapper.appendChild(m);
  return m;
}

function markUnits(panel, channels, rows, columns, className) {
  if (panel.message.kind === 'maps') {
    const list = channels ?? [...Array(panel.c).keys()];
    let linked = 0;
    for (const k of list) {
      const tile = panel.tiles[k];
      if (!tile) continue;
      tile.wrapper.classList.add('linked');
      linked++;
      const r0 = rows ? Math.min(...rows) : 0, r1 = rows ? Math.max(...rows) : panel.h - 1;
      const c0 = columns ? Math.min(...columns) : 0, c1 = columns ? Math.max(...columns) : panel.w - 1;
      mark(tile, r0 * panel.scale, c0 * panel.scale, (r1 - r0 + 1) * panel.scale, (c1 - c0 + 1) * panel.scale, className);
    }
    return linked;
  }
  const tile = panel.tiles[0];
  const units = channels ?? [...Array(panel.shown).keys()];
  for (const u of units) if (u < panel.shown) mark(tile, Math.floor(u / STRIP_WRAP) * CELL, (u % STRIP_WRAP) * CELL, CELL, CELL, className);
  tile.wrapper.classList.add('linked');
  return units.length;
}

function placeField(element, canvas, field, scale) {
  const [top, left, bottom, right] = field;
  element.hidden = false;
  Object.assign(element.style, {
    top: `${top * scale}px`, left: `${left * scale}px`, height: `${(bottom - top + 1) * scale}px`, width: `${(right - left + 1) * scale}px`,
  });
  element.dataset.top = top; element.dataset.left = left; element.dataset.bottom = bottom; element.dataset.right = right;
}

function highlight(index, links) {
  clearMarks();
  const panel = panels[index];
  panel.element.classList.add('hovered');
  const [c, y, x] = links.unit;
  let unit = null;
  if (panel.message.kind === 'maps') {
    const tile = panel.tiles[c];
    if (tile) unit = mark(tile, y * panel.scale, x * panel.scale, panel.scale, panel.scale, 'mark unit');
  } else {
    unit = mark(panel.tiles[0], Math.floor(c / STRIP_WRAP) * CELL, (c % STRIP_WRAP) * CELL, CELL, CELL, 'mark unit');
  }
  const described = [];
  for (const reads of links.reads) {
    if (reads.layer === 'input') { described.push('the image'); continue; }
    const source = panels.find(p => p.message.path === reads.layer);
    if (!source) continue;
    source.element.classList.add('source');
    const count = markUnits(source, reads.channels, reads.rows, reads.columns, 'mark');
    source.element.dataset.linked = count;
    described.push(`${reads.layer}: ${reads.channels ? `channels ${reads.channels.join(', ')}` : 'all channels'}`
      + (reads.rows ? `, rows ${Math.min(...reads.rows)}..${Math.max(...reads.rows)}, columns ${Math.min(...reads.columns)}..${Math.max(...reads.columns)}` : ''));
  }
  const [h, w] = view.model.input.slice(1);
  if (unit) drawLines(unit, [...document.querySelectorAll('.mark:not(.unit)')]);
  placeField(document.getElementById('seen-field'), seen, links.field, Number(seen.dataset.scale || 1));
  placeField(document.getElementById('pad-field'), pad, links.field, pad.width / w);
  document.getElementById('hover-info').textContent =
    `${links.layer} unit (${links.unit.join(', ')}) reads ${described.join('; ')}; sees rows ${links.field[0]}..${links.field[2]}, columns ${links.field[1]}..${links.field[3]} of the ${h}x${w} image`;
}

function paintFilters(filters) {
  const root = document.getElementById('filters');
  if (!filters) { document.getElementById('filters-title').hidden = true; return; }
  document.getElementById('filters-title').textContent = `First-layer filters (${filters.layer})`;
  const [out, inputs, kh, kw] = filters.shape, weights = floats(filters.weights);
  const scale = Math.max(2, Math.floor(40 / Math.max(kh, kw)));
  for (let o = 0; o < out; o++) {
    const canvas = document.createElement('canvas');
    canvas.width = kw * scale; canvas.height = kh * scale;
    canvas.title = `${filters.layer} filter ${o}`;
    canvas.className = 'filter';
    const context = canvas.getContext('2d'), image = context.createImageData(kw * scale, kh * scale);
    const size = inputs * kh * kw, first = o * size;
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < size; i++) { min = Math.min(min, weights[first + i]); max = Math.max(max, weights[first + i]); }
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      // Colour filters as RGB scaled to their own range; others as the mean over input channels, blue-white-red.
      let rgb;
      if (inputs === 3) rgb = [0, 1, 2].map(k => Math.round(255 * (weights[first + (k * kh + y) * kw + x] - min) / ((max - min) || 1)));
      else {
        let sum = 0;
        for (let k = 0; k < inputs; k++) sum += weights[first + (k * kh + y) * kw + x];
        rgb = colour(sum / inputs, Math.min(min, -1e-9), max);
      }
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) {
        const at = 4 * ((y * scale + dy) * kw * scale + x * scale + dx);
        image.data[at] = rgb[0]; image.data[at + 1] = rgb[1]; image.data[at + 2] = rgb[2]; image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    root.appendChild(canvas);
  }
}

async function start() {
  try {
    const model = view.model = await getJson('/api/model');
    document.getElementById('model-name').textContent = `view: ${model.name}`;
    document.getElementById('model-info').textContent =
      `input ${model.input.join(' x ')} · ${model.preprocessing} · ${model.layers.length} layers${model.classes ? ` · ${model.classes.length} classes` : ''}`;
    buildPanels(model);
    paintFilters(model.filters);
    redrawPad();
    await update();
    document.body.dataset.ready = 'true';
  } catch (e) {
    fail(`The model could not be loaded: ${e.message}`);
  }
}

start();
