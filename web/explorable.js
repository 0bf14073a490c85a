// SPDX-License-Identifier: MIT
// The explorable's page script: controls, the contour plot and its paths, the step-length and
// effective-learning-rate charts, and window.optlab, the engine for scripts. Every number it
// draws comes from the engine (web/engine.cpp: liboptlab in WebAssembly); every list it offers
// (functions, optimizers, conventions, hyper-parameters and their defaults) comes from the
// engine's catalogue, that is, from the library's registry. Plain DOM, no library.
(function () {
  'use strict';

  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#e6850e', '#17becf'];
  var CONVENTION_DASH = { torch: '', keras: '7 4', book: '2 3' };
  var MAX_PATHS = 6;
  var W = 640, H = 440;           // the plot's viewBox
  var CW = 320, CH = 170, CP = 34; // each chart's viewBox and its left margin
  var app = document.getElementById('ox-app');
  if (!app || typeof optlabEngine !== 'function') return;

  // ---- the engine, for the page and for scripts ------------------------------------------------

  var engine = null, catalogue = null;

  // {function, optimizer, convention, start: [x, y], steps, hyper} -> rows [step, x, y, f].
  // Throws an Error with the library's message for a bad optimizer, function or value.
  function run(spec, withGradient) {
    var fn = spec['function'] || 'ravine';
    var f = functionInfo(fn);
    var start = spec.start || (f ? f.start : [0, 0]);
    var steps = spec.steps === undefined ? 30 : spec.steps;
    var out = engine.trajectory(fn, spec.optimizer || 'sgd', spec.convention || 'torch',
                                +start[0], +start[1], +steps, spec.hyper || {});
    if (out.error) throw new Error(out.error);
    var rows = [], r = out.rows, width = withGradient ? 6 : 4;
    for (var i = 0; i < r.length; i += 6) rows.push(Array.prototype.slice.call(r, i, i + width));
    return { rows: rows, diverged: out.diverged, hyper: out.hyper };
  }

  function functionInfo(name) {
    for (var i = 0; i < catalogue.functions.length; i++) {
      if (catalogue.functions[i].name === name) return catalogue.functions[i];
    }
    return null;
  }
  function optimizerInfo(name) {
    for (var i = 0; i < catalogue.optimizers.length; i++) {
      if (catalogue.optimizers[i].name === name) return catalogue.optimizers[i];
    }
    return null;
  }

  // ---- state ------------------------------------------------------------------------------------

  var preset = JSON.parse(app.getAttribute('data-preset') || '{}');
  var state = {
    fn: 'ravine', convention: 'torch', steps: 100, view: 'optimizers', start: [0, 0],
    arms: []  // {optimizer, hyper}, at most MAX_PATHS
  };
  var drawn = [];     // what the plot shows: {label, optimizer, convention, hyper, start, steps, rows, pixels}
  var lastRedrawMs = 0;

  function defaultsOf(optimizer, convention) {
    var d = optimizerInfo(optimizer).defaults[convention], out = {};
    for (var k in d) out[k] = Array.isArray(d[k]) ? d[k].slice() : d[k];
    return out;
  }

  // ---- coordinates -------------------------------------------------------------------------------

  function ranges() {
    var f = functionInfo(state.fn);
    return { x: f.x_range, y: f.y_range };
  }
  function toPixel(x, y) {
    var r = ranges();
    return [(x - r.x[0]) / (r.x[1] - r.x[0]) * W, H - (y - r.y[0]) / (r.y[1] - r.y[0]) * H];
  }
  function toData(px, py) {
    var r = ranges();
    return [r.x[0] + px / W * (r.x[1] - r.x[0]), r.y[0] + (H - py) / H * (r.y[1] - r.y[0])];
  }
  function clampPixel(v) { return Math.max(-5 * W, Math.min(6 * W, v)); }
  function fmt(v) { return typeof v === 'number' ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(4) : +v.toPrecision(6) + '') : String(v); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }

  // ---- the page's skeleton -------------------------------------------------------------------------

  function option(value, label, selected) {
    return '<option value="' + esc(value) + '"' + (selected ? ' selected' : '') + '>' + esc(label) + '</option>';
  }

  function build() {
    var fnOptions = catalogue.functions.map(function (f) { return option(f.name, f.name + ': ' + f.formula, f.name === state.fn); }).join('');
    var convOptions = catalogue.conventions.map(function (c) { return option(c, c, c === state.convention); }).join('');
    app.innerHTML =
      '<div class="ox-main">' +
      '<div class="ox-plot-wrap">' +
      '<canvas id="ox-contours" width="' + W + '" height="' + H + '" aria-hidden="true"></canvas>' +
      '<svg id="ox-plot" viewBox="0 0 ' + W + ' ' + H + '" tabindex="0" role="img" aria-label="Contour plot with the optimizers\' paths; click or drag to move the start point, arrow keys move it too">' +
      '<g id="ox-minima"></g><g id="ox-paths"></g><circle id="ox-start" r="6"></circle><circle id="ox-hover" r="5" visibility="hidden"></circle></svg>' +
      '<output id="ox-readout" class="ox-readout" aria-live="polite">Hover a path to read its steps.</output>' +
      '</div>' +
      '<form class="ox-controls" id="ox-controls" onsubmit="return false">' +
      '<div class="ox-row"><label for="ox-function">Function</label><select id="ox-function">' + fnOptions + '</select></div>' +
      '<div class="ox-row"><label for="ox-convention">Convention</label><select id="ox-convention">' + convOptions + '</select></div>' +
      '<div class="ox-row"><label for="ox-steps">Steps</label><input id="ox-steps" type="number" min="0" max="5000" step="1" value="' + state.steps + '"></div>' +
      '<fieldset class="ox-row"><legend>Compare</legend>' +
      '<label><input type="radio" name="ox-view" value="optimizers" checked> up to six optimizers</label> ' +
      '<label><input type="radio" name="ox-view" value="conventions"> the first optimizer in torch, keras and book</label></fieldset>' +
      '<div class="ox-row"><label for="ox-start-x">Start x</label><input id="ox-start-x" type="number" step="any">' +
      '<label for="ox-start-y">y</label><input id="ox-start-y" type="number" step="any"></div>' +
      '<div id="ox-arms"></div>' +
      '<button type="button" id="ox-add">Add an optimizer</button>' +
      '<p class="ox-timing" id="ox-timing" aria-live="off"></p>' +
      '</form></div>' +
      '<div class="ox-charts">' +
      '<figure><svg id="ox-steplen" viewBox="0 0 ' + CW + ' ' + CH + '" role="img" aria-label="Step length per step, log scale"></svg>' +
      '<figcaption>Step length ‖θ<sub>k</sub> − θ<sub>k−1</sub>‖ per step (log scale). AdaGrad\'s shrink as its sum of squared gradients grows.</figcaption></figure>' +
      '<figure><svg id="ox-efflr" viewBox="0 0 ' + CW + ' ' + CH + '" role="img" aria-label="Effective learning rate per coordinate, log scale"></svg>' +
      '<figcaption>Effective learning rate per coordinate, −Δθ<sub>i</sub> / g<sub>i</sub> (log scale; x solid, y dotted): the lr for SGD, each coordinate its own for the adaptive ones.</figcaption></figure>' +
      '</div>';
    bindControls();
  }

  // One optimizer's controls: the optimizer, then one control per hyper-parameter it has under
  // the convention, from the catalogue (the registry's defaults).
  function armHtml(arm, index) {
    var conv = state.convention, info = optimizerInfo(arm.optimizer);
    var id = 'ox-arm' + index;
    var opts = catalogue.optimizers.map(function (o) { return option(o.name, o.label + ' (' + o.name + ')', o.name === arm.optimizer); }).join('');
    var html = '<fieldset class="ox-arm" data-index="' + index + '" style="border-color:' + COLORS[index] + '">' +
      '<legend><span class="ox-swatch" style="background:' + COLORS[index] + '"></span>' +
      '<label for="' + id + '-optimizer">Optimizer ' + (index + 1) + '</label></legend>' +
      '<select id="' + id + '-optimizer" data-role="optimizer">' + opts + '</select>' +
      (state.arms.length > 1 ? ' <button type="button" data-role="remove" aria-label="Remove optimizer ' + (index + 1) + '">Remove</button>' : '') +
      '<p class="ox-summary">' + esc(info.summary) + '</p><div class="ox-hyper">' + hyperHtml(id, info, conv, arm.hyper);
    return html + '</div><p class="ox-error" role="alert"></p></fieldset>';
  }

  // One control per hyper-parameter the optimizer has under the convention, from the
  // catalogue (the registry's defaults), showing the values of `hyper`; ids begin with `id`.
  function hyperHtml(id, info, conv, hyper) {
    var html = '', defaults = info.defaults[conv];
    Object.keys(defaults).sort(function (a, b) { return (a === 'lr' ? -1 : 0) - (b === 'lr' ? -1 : 0); }).forEach(function (name) {
      var v = hyper[name], hid = id + '-' + name, title = esc(info.descriptions[name] || name);
      if (name === 'lr') {
        html += '<div class="ox-lr"><label for="' + hid + '" title="' + title + '">lr</label>' +
          '<input id="' + hid + '" data-role="lr" type="range" min="-5" max="1" step="0.01" value="' + Math.log10(v) + '" aria-valuetext="' + fmt(v) + '">' +
          '<label class="ox-visually-hidden" for="' + hid + '-value">lr value</label>' +
          '<input id="' + hid + '-value" data-role="lr-value" type="number" step="any" min="0" value="' + v + '"></div>';
      } else if (typeof v === 'boolean') {
        html += '<label class="ox-check" title="' + title + '"><input type="checkbox" data-name="' + name + '"' + (v ? ' checked' : '') + '> ' + name + '</label>';
      } else if (typeof v === 'number') {
        html += '<label title="' + title + '">' + name + ' <input type="number" step="any" data-name="' + name + '" value="' + v + '"></label>';
      } else if (Array.isArray(v)) {
        html += '<span class="ox-pair" title="' + title + '">' + name + ' ';
        for (var i = 0; i < v.length; i++) {
          html += '<label class="ox-visually-hidden" for="' + hid + '-' + i + '">' + name + '[' + i + ']</label>' +
            '<input id="' + hid + '-' + i + '" type="number" step="any" data-name="' + name + '" data-member="' + i + '" value="' + (v[i] === null ? '' : v[i]) + '" placeholder="none">';
        }
        html += '</span>';
      } else {
        html += '<label title="' + title + '">' + name + ' <input type="text" data-name="' + name + '" value="' + esc(v) + '"></label>';
      }
    });
    return html;
  }

  function renderArms() {
    var shown = state.view === 'conventions' ? state.arms.slice(0, 1) : state.arms;
    document.getElementById('ox-arms').innerHTML = shown.map(armHtml).join('');
    document.getElementById('ox-add').disabled = state.view === 'conventions' || state.arms.length >= MAX_PATHS;
    showFormulas();
  }

  // The formulas of the optimizers on the plot (typeset by optlab from docs/optimizers.md).
  function showFormulas() {
    var names = state.arms.map(function (a) { return a.optimizer; });
    if (state.view === 'conventions') names = names.slice(0, 1);
    names = names.concat(net.arms.map(function (a) { return a.optimizer; }));  // and the network view's
    var sections = document.querySelectorAll('#ox-formulas section.formula');
    for (var i = 0; i < sections.length; i++) {
      var has = sections[i].getAttribute('data-optimizers').split(' ');
      sections[i].hidden = !names.some(function (n) { return has.indexOf(n) >= 0; });
    }
  }

  function syncStartInputs() {
    document.getElementById('ox-start-x').value = state.start[0];
    document.getElementById('ox-start-y').value = state.start[1];
  }

  function bindControls() {
    var byId = function (id) { return document.getElementById(id); };
    byId('ox-function').addEventListener('change', function (e) {
      state.fn = e.target.value;
      state.start = functionInfo(state.fn).start.slice();
      syncStartInputs();
      drawContours();
      schedule();
    });
    byId('ox-convention').addEventListener('change', function (e) {
      state.convention = e.target.value;
      state.arms.forEach(function (a) {
        var lr = a.hyper.lr;
        a.hyper = defaultsOf(a.optimizer, state.convention);
        a.hyper.lr = lr;  // the learning rate is the one the learner set
      });
      renderArms();
      schedule();
    });
    byId('ox-steps').addEventListener('input', function (e) {
      var n = Math.round(+e.target.value);
      if (n >= 0 && n <= 5000) { state.steps = n; schedule(); }
    });
    var radios = document.querySelectorAll('input[name="ox-view"]');
    for (var i = 0; i < radios.length; i++) {
      radios[i].addEventListener('change', function (e) { state.view = e.target.value; renderArms(); schedule(); });
    }
    ['ox-start-x', 'ox-start-y'].forEach(function (id, k) {
      byId(id).addEventListener('input', function (e) {
        var v = parseFloat(e.target.value);
        if (isFinite(v)) { state.start[k] = v; schedule(); }
      });
    });
    byId('ox-add').addEventListener('click', function () {
      if (state.arms.length >= MAX_PATHS) return;
      var used = state.arms.map(function (a) { return a.optimizer; });
      var next = catalogue.optimizers.filter(function (o) { return used.indexOf(o.name) < 0; })[0] || catalogue.optimizers[0];
      state.arms.push({ optimizer: next.name, hyper: defaultsOf(next.name, state.convention) });
      renderArms();
      schedule();
    });
    var arms = byId('ox-arms');
    arms.addEventListener('input', onArmInput);
    arms.addEventListener('change', onArmInput);
    arms.addEventListener('click', function (e) {
      if (e.target.getAttribute('data-role') !== 'remove') return;
      state.arms.splice(+e.target.closest('.ox-arm').getAttribute('data-index'), 1);
      renderArms();
      schedule();
    });
    bindPlot();
  }

  function onArmInput(e) {
    var t = e.target, box = t.closest('.ox-arm');
    if (!box) return;
    var arm = state.arms[+box.getAttribute('data-index')], role = t.getAttribute('data-role');
    if (role === 'optimizer') {
      if (e.type !== 'change') return;
      arm.optimizer = t.value;
      arm.hyper = defaultsOf(arm.optimizer, state.convention);
      renderArms();
    } else if (!applyHyperInput(t, arm.hyper, box)) {
      return;
    }
    schedule();
  }

  // A hyper-parameter control of hyperHtml changed: sets it in `hyper` (and the lr's other
  // control in `box`); false when the value is not one to take.
  function applyHyperInput(t, hyper, box) {
    var role = t.getAttribute('data-role');
    if (role === 'lr') {
      hyper.lr = Math.pow(10, +t.value);
      t.setAttribute('aria-valuetext', fmt(hyper.lr));
      box.querySelector('[data-role="lr-value"]').value = fmt(hyper.lr);
    } else if (role === 'lr-value') {
      var lr = parseFloat(t.value);
      if (!(lr >= 0)) return false;
      hyper.lr = lr;
      box.querySelector('[data-role="lr"]').value = Math.log10(lr);
    } else if (t.hasAttribute('data-name')) {
      var name = t.getAttribute('data-name'), old = hyper[name];
      if (t.type === 'checkbox') hyper[name] = t.checked;
      else if (t.hasAttribute('data-member')) old[+t.getAttribute('data-member')] = t.value === '' ? null : parseFloat(t.value);
      else if (typeof old === 'number') { var v = parseFloat(t.value); if (!isFinite(v)) return false; hyper[name] = v; }
      else hyper[name] = t.value;
    } else {
      return false;
    }
    return true;
  }

  // ---- the plot ------------------------------------------------------------------------------------

  // f on the canvas' pixels, banded on a log scale: filled levels with a darker edge between
  // levels, which reads as contour lines.
  function drawContours() {
    var canvas = document.getElementById('ox-contours'), ctx = canvas.getContext('2d');
    var r = ranges(), values = engine.grid(state.fn, r.x[0], r.x[1], r.y[1], r.y[0], W, H);
    var lo = Infinity, hi = -Infinity, i;
    for (i = 0; i < values.length; i++) {
      if (isFinite(values[i])) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); }
    }
    var span = Math.log1p(hi - lo) || 1, levels = 18, level = new Int16Array(values.length);
    for (i = 0; i < values.length; i++) level[i] = Math.floor(Math.log1p(Math.max(0, values[i] - lo)) / span * levels);
    var img = ctx.createImageData(W, H), d = img.data;
    for (var y = 0; y < H; y++) {
      for (var x = 0; x < W; x++) {
        var k = y * W + x, l = level[k];
        var edge = (x + 1 < W && level[k + 1] !== l) || (y + 1 < H && level[k + W] !== l);
        var t = l / levels, p = k * 4;
        d[p] = edge ? 120 : 250 - 60 * t; d[p + 1] = edge ? 130 : 250 - 35 * t; d[p + 2] = edge ? 150 : 255 - 10 * t; d[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    var f = functionInfo(state.fn);
    document.getElementById('ox-minima').innerHTML = f.minima.map(function (m) {
      var q = toPixel(m[0], m[1]);
      return '<path class="ox-minimum" d="M' + (q[0] - 6) + ' ' + q[1] + 'h12M' + q[0] + ' ' + (q[1] - 6) + 'v12"><title>minimum (' + m[0] + ', ' + m[1] + ')</title></path>';
    }).join('');
  }

  // What to draw: the arms, or the first arm under each convention.
  function specs() {
    if (state.view === 'conventions') {
      var arm = state.arms[0];
      return catalogue.conventions.map(function (c, i) {
        return { label: optimizerInfo(arm.optimizer).label + ' (' + c + ')', optimizer: arm.optimizer, convention: c, hyper: arm.hyper, color: COLORS[i], dash: CONVENTION_DASH[c] || '' };
      });
    }
    return state.arms.map(function (arm, i) {
      return { label: optimizerInfo(arm.optimizer).label, optimizer: arm.optimizer, convention: state.convention, hyper: arm.hyper, color: COLORS[i], dash: '' };
    });
  }

  // Recomputes every path and redraws the plot and the charts: one frame's work, timed.
  function redraw() {
    var t0 = performance.now();
    drawn = [];
    var paths = '', errors = document.querySelectorAll('#ox-arms .ox-error');
    for (var e = 0; e < errors.length; e++) errors[e].textContent = '';
    specs().forEach(function (s, i) {
      var result;
      try {
        result = run({ 'function': state.fn, optimizer: s.optimizer, convention: s.convention, start: state.start, steps: state.steps, hyper: s.hyper }, true);
      } catch (err) {
        var box = errors[state.view === 'conventions' ? 0 : i];
        if (box) box.textContent = (state.view === 'conventions' ? s.convention + ': ' : '') + err.message;
        return;
      }
      var pixels = [];
      for (var k = 0; k < result.rows.length; k++) {
        var row = result.rows[k];
        if (!isFinite(row[1]) || !isFinite(row[2])) break;
        var q = toPixel(row[1], row[2]);
        pixels.push(clampPixel(q[0]).toFixed(2) + ',' + clampPixel(q[1]).toFixed(2));
      }
      drawn.push({ label: s.label, optimizer: s.optimizer, convention: s.convention, hyper: JSON.parse(JSON.stringify(s.hyper)),
                   start: state.start.slice(), steps: state.steps, 'function': state.fn, rows: result.rows, diverged: result.diverged, color: s.color, dash: s.dash });
      paths += '<polyline class="ox-path" data-index="' + (drawn.length - 1) + '" data-optimizer="' + s.optimizer + '" data-convention="' + s.convention +
        '" stroke="' + s.color + '" stroke-dasharray="' + s.dash + '" points="' + pixels.join(' ') + '"><title>' + esc(s.label) + '</title></polyline>';
    });
    document.getElementById('ox-paths').innerHTML = paths;
    // What was hovered belongs to the old paths.
    document.getElementById('ox-hover').setAttribute('visibility', 'hidden');
    document.getElementById('ox-readout').textContent = 'Hover a path to read its steps.';
    var q = toPixel(state.start[0], state.start[1]);
    var start = document.getElementById('ox-start');
    start.setAttribute('cx', q[0]);
    start.setAttribute('cy', q[1]);
    drawCharts();
    lastRedrawMs = performance.now() - t0;
    document.getElementById('ox-timing').textContent = 'Recomputed and drew ' + drawn.length + ' path(s) of ' + state.steps +
      ' steps in ' + lastRedrawMs.toFixed(1) + ' ms.';
    app.setAttribute('data-redraws', String(++redraws));
  }
  var redraws = 0, pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; redraw(); });
  }

  // Step lengths and effective learning rates, log-scaled, one polyline per path (and coordinate).
  function drawCharts() {
    var steplen = [], eff = [];
    drawn.forEach(function (p) {
      var s = [], ex = [], ey = [];
      for (var k = 1; k < p.rows.length; k++) {
        var a = p.rows[k - 1], b = p.rows[k], dx = b[1] - a[1], dy = b[2] - a[2];
        s.push([k, Math.hypot(dx, dy)]);
        if (a[4] !== 0) ex.push([k, -dx / a[4]]);
        if (a[5] !== 0) ey.push([k, -dy / a[5]]);
      }
      steplen.push({ color: p.color, dash: p.dash, pts: s });
      eff.push({ color: p.color, dash: p.dash, pts: ex });
      eff.push({ color: p.color, dash: '1 3', pts: ey });
    });
    chart('ox-steplen', steplen);
    chart('ox-efflr', eff);
  }

  function chart(id, series) {
    var lo = Infinity, hi = -Infinity, n = 1;
    series.forEach(function (s) {
      s.pts.forEach(function (p) {
        if (p[1] > 0 && isFinite(p[1])) { var v = Math.log10(p[1]); lo = Math.min(lo, v); hi = Math.max(hi, v); }
        n = Math.max(n, p[0]);
      });
    });
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    lo = Math.floor(lo); hi = Math.max(lo + 1, Math.ceil(hi));
    var html = '<text x="2" y="12" class="ox-axis">1e' + hi + '</text><text x="2" y="' + (CH - 16) + '" class="ox-axis">1e' + lo + '</text>' +
      '<text x="' + CP + '" y="' + (CH - 2) + '" class="ox-axis">step 1</text><text x="' + (CW - 50) + '" y="' + (CH - 2) + '" class="ox-axis">step ' + n + '</text>' +
      '<line x1="' + CP + '" y1="' + (CH - 16) + '" x2="' + CW + '" y2="' + (CH - 16) + '" class="ox-frame"></line>';
    // One plain loop per series: this runs every frame while the start point is dragged.
    var sx = (CW - CP - 6) / Math.max(1, n - 1), sy = (CH - 24) / (hi - lo);
    series.forEach(function (s) {
      var pts = '';
      for (var i = 0; i < s.pts.length; i++) {
        var v = s.pts[i][1];
        if (!(v > 0) || v === Infinity) continue;
        pts += Math.round((CP + (s.pts[i][0] - 1) * sx) * 10) / 10 + ',' + Math.round((CH - 16 - (Math.log10(v) - lo) * sy) * 10) / 10 + ' ';
      }
      html += '<polyline fill="none" stroke="' + s.color + '" stroke-dasharray="' + s.dash + '" points="' + pts + '"></polyline>';
    });
    document.getElementById(id).innerHTML = html;
  }

  // Click or drag: the start point; hover: the nearest step of any path; arrows: nudge.
  function bindPlot() {
    var svg = document.getElementById('ox-plot'), dragging = false;
    function local(e) {
      var box = svg.getBoundingClientRect();
      return [(e.clientX - box.left) / box.width * W, (e.clientY - box.top) / box.height * H];
    }
    function moveStart(e) {
      var p = local(e), d = toData(p[0], p[1]);
      state.start = [+d[0].toPrecision(6), +d[1].toPrecision(6)];
      syncStartInputs();
      schedule();
    }
    svg.addEventListener('pointerdown', function (e) {
      dragging = true;
      svg.setPointerCapture(e.pointerId);
      moveStart(e);
    });
    svg.addEventListener('pointermove', function (e) {
      if (dragging) { moveStart(e); return; }
      hover(local(e));
    });
    var stop = function () { dragging = false; };
    svg.addEventListener('pointerup', stop);
    svg.addEventListener('pointercancel', stop);
    svg.addEventListener('pointerleave', function () { document.getElementById('ox-hover').setAttribute('visibility', 'hidden'); });
    svg.addEventListener('keydown', function (e) {
      var r = ranges(), dx = (r.x[1] - r.x[0]) / 50, dy = (r.y[1] - r.y[0]) / 50;
      var move = { ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowUp: [0, dy], ArrowDown: [0, -dy] }[e.key];
      if (!move) return;
      e.preventDefault();
      state.start = [+(state.start[0] + move[0]).toPrecision(6), +(state.start[1] + move[1]).toPrecision(6)];
      syncStartInputs();
      schedule();
    });
  }

  function hover(p) {
    var best = null, bestD = 15 * 15;
    drawn.forEach(function (path) {
      path.rows.forEach(function (row) {
        if (!isFinite(row[1]) || !isFinite(row[2])) return;
        var q = toPixel(row[1], row[2]), d = (q[0] - p[0]) * (q[0] - p[0]) + (q[1] - p[1]) * (q[1] - p[1]);
        if (d < bestD) { bestD = d; best = { path: path, row: row, q: q }; }
      });
    });
    var marker = document.getElementById('ox-hover'), out = document.getElementById('ox-readout');
    if (!best) { marker.setAttribute('visibility', 'hidden'); return; }
    marker.setAttribute('cx', best.q[0]);
    marker.setAttribute('cy', best.q[1]);
    marker.setAttribute('fill', best.path.color);
    marker.setAttribute('visibility', 'visible');
    var r = best.row;
    out.textContent = best.path.label + ', step ' + r[0] + ': (' + fmt(r[1]) + ', ' + fmt(r[2]) + '), f = ' + fmt(r[3]);
  }

  // ---- the network view: a network learns, live ---------------------------------------------------
  // Up to four optimizers train the same network (one of the 2-D problems: TensorFlow
  // Playground's data, problems/classify2d.hpp) from the same initial weights on the same
  // batches, each a Network2d of the engine, which trains as `optlab train --problem 2d-…` does.
  // Every text this view shows is in NET_TEXT, so that a translation is one more table.

  var NET_TEXT = {
    title: 'A network learns, live',
    intro: 'Up to four optimizers train the same small network on the same points, from the same initial weights and on the same batches. Each square is one network\'s decision: blue where it answers +1, orange where −1; filled dots are training points, ringed ones test points. The losses are those that optlab train --problem 2d-… logs for the same settings.',
    play: 'Play', pause: 'Pause', step: 'One step', reset: 'Reset',
    steps: 'Step', speed: 'Steps per frame',
    data: 'Data', dataset: 'Dataset', noise: 'Noise (%)', trainRatio: 'Training points (%)', points: 'Points', seed: 'Seed',
    features: 'Input features', network: 'Network', layers: 'Hidden layers', units: 'Units in layer', activation: 'Activation',
    init: 'Initial weights', l2: 'L2 penalty λ', batch: 'Batch size', optimizers: 'Optimizers',
    optimizer: 'Optimizer', convention: 'Convention', add: 'Add an optimizer', remove: 'Remove',
    chart: 'Loss per step: training (the batch\'s, before the step) thin and solid, test (after the step) dashed',
    chartLabel: 'Training and test loss per step of every optimizer',
    board: function (label) { return label + '\'s decision boundary and the points'; },
    lossLine: function (train, test) { return 'train ' + train + ', test ' + test; },
    stopped: function (why) { return 'stopped: ' + why; },
    datasets: { circle: 'Two circles', xor: 'XOR quadrants', gauss: 'Two Gaussians', spiral: 'Two spirals' },
    featureNames: { x1: 'x₁', x2: 'x₂', x1sq: 'x₁²', x2sq: 'x₂²', x1x2: 'x₁x₂', sinx1: 'sin x₁', sinx2: 'sin x₂' },
    activations: { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid', linear: 'linear' },
    inits: { 'std=1': 'std 1', 'std=0.01': 'std 0.01', xavier: 'Xavier', he: 'He', zeros: 'zeros' },
    timing: function (n, ms) { return n + ' network(s): a frame\'s steps and heat maps in ' + ms + ' ms.'; }
  };
  var NET_MAX = 4, NET_GRID = 50, NET_RANGE = 6, NET_BOARD = 240, NET_CW = 640, NET_CH = 200;
  var NET_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

  var net = {
    dataset: 'circle', noise: 0, trainRatio: 0.5, points: 500, seed: 1,
    features: ['x1', 'x2'], hidden: [4, 2], activation: 'tanh', init: 'xavier', l2: 0, batch: 10,
    arms: [], // {optimizer, convention, hyper}
    speed: 1, playing: false
  };
  var runs = [];        // per arm: {network, train: [], test: [], stopped, error}
  var netSteps = 0, netFrameMs = 0, netDraws = 0, pointsLayer = null, netFrame = null;

  function netSpec(arm) {
    return { dataset: net.dataset, noise: net.noise, trainRatio: net.trainRatio, points: net.points, seed: net.seed,
             features: net.features.slice(), hidden: net.hidden.slice(), activation: net.activation, init: net.init,
             l2: net.l2, batch: net.batch, optimizer: arm.optimizer, convention: arm.convention, hyper: arm.hyper };
  }

  // A network trained `steps` steps: the per-step losses, as `optlab train` logs them.
  function trainNetwork(spec) {
    var n = new engine.Network2d(spec || {});
    try {
      if (n.error()) throw new Error(n.error());
      var r = n.step(spec.steps === undefined ? 100 : +spec.steps);
      return { train: Array.prototype.slice.call(r.train), test: Array.prototype.slice.call(r.test), steps: r.steps,
               stopped: r.stopped, hyper: n.hyper() };
    } finally {
      n['delete']();
    }
  }

  // Any change: every network starts again from the same seed.
  function netRestart() {
    runs.forEach(function (r) { if (r.network) r.network['delete'](); });
    runs = net.arms.map(function (arm) {
      var n = new engine.Network2d(netSpec(arm)), error = n.error();
      if (error) { n['delete'](); n = null; }
      return { network: n, train: [], test: [], stopped: '', error: error };
    });
    netSteps = 0;
    pointsLayer = null;
    var boxes = document.querySelectorAll('#ox-net-arms .ox-error');
    runs.forEach(function (r, i) { if (boxes[i]) boxes[i].textContent = r.error; });
    netDraw();
  }

  function netStep(count) {
    runs.forEach(function (r) {
      if (!r.network || r.stopped) return;
      var out = r.network.step(count);
      for (var k = 0; k < out.train.length; k++) { r.train.push(out.train[k]); r.test.push(out.test[k]); }
      r.stopped = out.stopped;
    });
    netSteps += count;
  }

  function buildNetwork() {
    var T = NET_TEXT, c2 = engine.classify2dCatalogue();
    var section = document.createElement('section');
    section.id = 'ox-net';
    section.className = 'ox-net';
    section.setAttribute('aria-labelledby', 'ox-net-title');
    var datasets = c2.datasets.map(function (d) { return option(d, T.datasets[d] || d, d === net.dataset); }).join('');
    var features = c2.features.map(function (f) {
      return '<label class="ox-check"><input type="checkbox" data-feature="' + f + '"' + (net.features.indexOf(f) >= 0 ? ' checked' : '') + '> ' + esc(T.featureNames[f] || f) + '</label>';
    }).join(' ');
    var acts = Object.keys(T.activations).map(function (a) { return option(a, T.activations[a], a === net.activation); }).join('');
    var inits = Object.keys(T.inits).map(function (a) { return option(a, T.inits[a], a === net.init); }).join('');
    var layers = [1, 2, 3, 4, 5, 6].map(function (n) { return option(n, n, n === net.hidden.length); }).join('');
    section.innerHTML =
      '<h3 id="ox-net-title">' + esc(T.title) + '</h3><p class="ox-intro">' + esc(T.intro) + '</p>' +
      '<div class="ox-net-transport">' +
      '<button type="button" id="ox-net-play">' + esc(T.play) + '</button> ' +
      '<button type="button" id="ox-net-step">' + esc(T.step) + '</button> ' +
      '<button type="button" id="ox-net-reset">' + esc(T.reset) + '</button> ' +
      '<label for="ox-net-speed">' + esc(T.speed) + '</label> <input id="ox-net-speed" type="number" min="1" max="50" step="1" value="' + net.speed + '"> ' +
      '<span>' + esc(T.steps) + ' <output id="ox-net-count" aria-live="off">0</output></span></div>' +
      '<div class="ox-net-main"><div class="ox-net-boards" id="ox-net-boards"></div>' +
      '<form class="ox-controls ox-net-controls" id="ox-net-controls" onsubmit="return false">' +
      '<fieldset class="ox-row"><legend>' + esc(T.data) + '</legend>' +
      '<div class="ox-row"><label for="ox-net-dataset">' + esc(T.dataset) + '</label><select id="ox-net-dataset">' + datasets + '</select></div>' +
      '<div class="ox-row"><label for="ox-net-noise">' + esc(T.noise) + '</label><input id="ox-net-noise" type="number" min="0" max="50" step="5" value="' + net.noise * 100 + '">' +
      '<label for="ox-net-ratio">' + esc(T.trainRatio) + '</label><input id="ox-net-ratio" type="number" min="10" max="90" step="10" value="' + net.trainRatio * 100 + '"></div>' +
      '<div class="ox-row"><label for="ox-net-seed">' + esc(T.seed) + '</label><input id="ox-net-seed" type="number" min="0" step="1" value="' + net.seed + '"></div>' +
      '</fieldset>' +
      '<fieldset class="ox-row"><legend>' + esc(T.features) + '</legend><div id="ox-net-features">' + features + '</div></fieldset>' +
      '<fieldset class="ox-row"><legend>' + esc(T.network) + '</legend>' +
      '<div class="ox-row"><label for="ox-net-layers">' + esc(T.layers) + '</label><select id="ox-net-layers">' + layers + '</select></div>' +
      '<div class="ox-row" id="ox-net-units"></div>' +
      '<div class="ox-row"><label for="ox-net-activation">' + esc(T.activation) + '</label><select id="ox-net-activation">' + acts + '</select></div>' +
      '<div class="ox-row"><label for="ox-net-init">' + esc(T.init) + '</label><select id="ox-net-init">' + inits + '</select></div>' +
      '<div class="ox-row"><label for="ox-net-l2">' + esc(T.l2) + '</label><input id="ox-net-l2" type="number" min="0" step="any" value="' + net.l2 + '">' +
      '<label for="ox-net-batch">' + esc(T.batch) + '</label><input id="ox-net-batch" type="number" min="1" max="250" step="1" value="' + net.batch + '"></div>' +
      '</fieldset>' +
      '<div id="ox-net-arms"></div><button type="button" id="ox-net-add">' + esc(T.add) + '</button>' +
      '<p class="ox-timing" id="ox-net-timing" aria-live="off"></p>' +
      '</form></div>' +
      '<figure class="ox-net-chart"><svg id="ox-net-loss" viewBox="0 0 ' + NET_CW + ' ' + NET_CH + '" role="img" aria-label="' + esc(T.chartLabel) + '"></svg>' +
      '<figcaption>' + esc(T.chart) + '</figcaption></figure>';
    app.appendChild(section);
    renderNetUnits();
    renderNetArms();
    bindNetwork();
  }

  function renderNetUnits() {
    document.getElementById('ox-net-units').innerHTML = net.hidden.map(function (u, i) {
      return '<label for="ox-net-units-' + i + '">' + esc(NET_TEXT.units) + ' ' + (i + 1) + '</label>' +
        '<input id="ox-net-units-' + i + '" data-layer="' + i + '" type="number" min="1" max="8" step="1" value="' + u + '">';
    }).join('');
  }

  function renderNetArms() {
    var T = NET_TEXT;
    document.getElementById('ox-net-arms').innerHTML = net.arms.map(function (arm, index) {
      var id = 'ox-net-arm' + index, info = optimizerInfo(arm.optimizer);
      var opts = catalogue.optimizers.map(function (o) { return option(o.name, o.label + ' (' + o.name + ')', o.name === arm.optimizer); }).join('');
      var convs = catalogue.conventions.map(function (c) { return option(c, c, c === arm.convention); }).join('');
      return '<fieldset class="ox-arm" data-index="' + index + '" style="border-color:' + NET_COLORS[index] + '">' +
        '<legend><span class="ox-swatch" style="background:' + NET_COLORS[index] + '"></span>' +
        '<label for="' + id + '-optimizer">' + esc(T.optimizer) + ' ' + (index + 1) + '</label></legend>' +
        '<select id="' + id + '-optimizer" data-role="optimizer">' + opts + '</select>' +
        (net.arms.length > 1 ? ' <button type="button" data-role="remove" aria-label="' + esc(T.remove) + ' ' + (index + 1) + '">' + esc(T.remove) + '</button>' : '') +
        '<div class="ox-row"><label for="' + id + '-convention">' + esc(T.convention) + '</label><select id="' + id + '-convention" data-role="convention">' + convs + '</select></div>' +
        '<div class="ox-hyper">' + hyperHtml(id, info, arm.convention, arm.hyper) + '</div><p class="ox-error" role="alert"></p></fieldset>';
    }).join('');
    document.getElementById('ox-net-add').disabled = net.arms.length >= NET_MAX;
    showFormulas();
    var boards = document.getElementById('ox-net-boards');
    boards.innerHTML = net.arms.map(function (arm, i) {
      var label = optimizerInfo(arm.optimizer).label;
      return '<figure class="ox-net-board"><canvas width="' + NET_BOARD + '" height="' + NET_BOARD + '" role="img" aria-label="' +
        esc(T.board(label)) + '"></canvas><figcaption><span class="ox-swatch" style="background:' + NET_COLORS[i] + '"></span>' +
        esc(label) + ' <span class="ox-net-losses"></span></figcaption></figure>';
    }).join('');
  }

  function bindNetwork() {
    var byId = function (id) { return document.getElementById(id); };
    byId('ox-net-play').addEventListener('click', function () { netPlay(!net.playing); });
    byId('ox-net-step').addEventListener('click', function () { netPlay(false); netStep(1); netDraw(); });
    byId('ox-net-reset').addEventListener('click', function () { netPlay(false); netRestart(); });
    byId('ox-net-speed').addEventListener('input', function (e) {
      var n = Math.round(+e.target.value);
      if (n >= 1 && n <= 50) net.speed = n;
    });
    var number = function (id, set) {
      byId(id).addEventListener('change', function (e) {
        var v = parseFloat(e.target.value);
        if (isFinite(v) && set(v) !== false) netRestart();
      });
    };
    number('ox-net-noise', function (v) { if (v < 0 || v > 50) return false; net.noise = v / 100; });
    number('ox-net-ratio', function (v) { if (v < 10 || v > 90) return false; net.trainRatio = v / 100; });
    number('ox-net-seed', function (v) { if (v < 0 || v !== Math.floor(v)) return false; net.seed = v; });
    number('ox-net-l2', function (v) { if (v < 0) return false; net.l2 = v; });
    number('ox-net-batch', function (v) { if (v < 1 || v !== Math.floor(v)) return false; net.batch = v; });
    byId('ox-net-dataset').addEventListener('change', function (e) { net.dataset = e.target.value; netRestart(); });
    byId('ox-net-activation').addEventListener('change', function (e) { net.activation = e.target.value; netRestart(); });
    byId('ox-net-init').addEventListener('change', function (e) { net.init = e.target.value; netRestart(); });
    byId('ox-net-layers').addEventListener('change', function (e) {
      var n = +e.target.value;
      while (net.hidden.length < n) net.hidden.push(net.hidden[net.hidden.length - 1] || 4);
      net.hidden.length = n;
      renderNetUnits();
      netRestart();
    });
    byId('ox-net-units').addEventListener('change', function (e) {
      var v = Math.round(+e.target.value), layer = +e.target.getAttribute('data-layer');
      if (v >= 1 && v <= 8) { net.hidden[layer] = v; netRestart(); }
    });
    byId('ox-net-features').addEventListener('change', function () {
      var chosen = [];
      var boxes = document.querySelectorAll('#ox-net-features input[data-feature]');
      for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) chosen.push(boxes[i].getAttribute('data-feature'));
      if (chosen.length) { net.features = chosen; netRestart(); }
    });
    byId('ox-net-add').addEventListener('click', function () {
      if (net.arms.length >= NET_MAX) return;
      var used = net.arms.map(function (a) { return a.optimizer; });
      var next = catalogue.optimizers.filter(function (o) { return used.indexOf(o.name) < 0; })[0] || catalogue.optimizers[0];
      net.arms.push({ optimizer: next.name, convention: 'torch', hyper: defaultsOf(next.name, 'torch') });
      renderNetArms();
      netRestart();
    });
    var arms = byId('ox-net-arms');
    var onInput = function (e) {
      var t = e.target, box = t.closest('.ox-arm');
      if (!box) return;
      var arm = net.arms[+box.getAttribute('data-index')], role = t.getAttribute('data-role');
      if (role === 'optimizer' || role === 'convention') {
        if (e.type !== 'change') return;
        var lr = arm.hyper.lr;
        if (role === 'optimizer') arm.optimizer = t.value; else arm.convention = t.value;
        arm.hyper = defaultsOf(arm.optimizer, arm.convention);
        if (role === 'convention') arm.hyper.lr = lr;  // as the path view: the learner's lr stays
        renderNetArms();
      } else if (!applyHyperInput(t, arm.hyper, box)) {
        return;
      }
      if (e.type === 'change' || role === 'lr') netRestart();
    };
    arms.addEventListener('input', onInput);
    arms.addEventListener('change', onInput);
    arms.addEventListener('click', function (e) {
      if (e.target.getAttribute('data-role') !== 'remove') return;
      net.arms.splice(+e.target.closest('.ox-arm').getAttribute('data-index'), 1);
      renderNetArms();
      netRestart();
    });
  }

  function netPlay(on) {
    net.playing = on;
    document.getElementById('ox-net-play').textContent = on ? NET_TEXT.pause : NET_TEXT.play;
    if (on && !netFrame) netFrame = requestAnimationFrame(netTick);
  }
  function netTick() {
    netFrame = null;
    if (!net.playing) return;
    var t0 = performance.now();
    netStep(net.speed);
    netDraw();
    netFrameMs = performance.now() - t0;
    netFrame = requestAnimationFrame(netTick);
  }

  // Playground's colours: orange for −1, white for 0, blue for +1, at most 60 % strength so
  // that the points, in the full colours, stand out on their own side.
  function netColor(v) {
    var t = Math.max(-1, Math.min(1, v)), a, b, s;
    if (t < 0) { a = [245, 147, 34]; s = -0.6 * t; } else { a = [8, 119, 189]; s = 0.6 * t; }
    b = [232, 234, 235];
    return [b[0] + (a[0] - b[0]) * s, b[1] + (a[1] - b[1]) * s, b[2] + (a[2] - b[2]) * s];
  }

  // The points of the first network (all networks share them), drawn once per restart.
  function netPoints() {
    if (pointsLayer) return pointsLayer;
    var first = runs.filter(function (r) { return r.network; })[0];
    pointsLayer = document.createElement('canvas');
    pointsLayer.width = pointsLayer.height = NET_BOARD;
    if (!first) return pointsLayer;
    var ctx = pointsLayer.getContext('2d'), pts = first.network.points();
    ['train', 'test'].forEach(function (split) {
      var p = pts[split];
      for (var i = 0; i < p.length; i += 3) {
        var x = (p[i] + NET_RANGE) / (2 * NET_RANGE) * NET_BOARD, y = (NET_RANGE - p[i + 1]) / (2 * NET_RANGE) * NET_BOARD;
        var c = p[i + 2] > 0 ? '#0877bd' : '#f59322';
        ctx.beginPath();
        ctx.arc(x, y, 3, 0, 2 * Math.PI);
        ctx.fillStyle = split === 'train' ? c : '#fff';
        ctx.fill();
        ctx.lineWidth = split === 'train' ? 0.8 : 1.6;
        ctx.strokeStyle = split === 'train' ? '#fff' : c;
        ctx.stroke();
      }
    });
    return pointsLayer;
  }

  var heat = null;
  function netDraw() {
    var canvases = document.querySelectorAll('#ox-net-boards canvas');
    var captions = document.querySelectorAll('#ox-net-boards .ox-net-losses');
    if (!heat) { heat = document.createElement('canvas'); heat.width = heat.height = NET_GRID; }
    var hctx = heat.getContext('2d'), img = hctx.createImageData(NET_GRID, NET_GRID), layer = netPoints();
    runs.forEach(function (r, i) {
      var canvas = canvases[i];
      if (!canvas) return;
      var ctx = canvas.getContext('2d');
      if (!r.network) { ctx.clearRect(0, 0, NET_BOARD, NET_BOARD); return; }
      // Row j of the grid is y from +6 down to −6: the canvas' rows top to bottom.
      var g = r.network.grid(-NET_RANGE, NET_RANGE, NET_RANGE, -NET_RANGE, NET_GRID, NET_GRID), d = img.data;
      for (var k = 0; k < g.length; k++) {
        var c = netColor(g[k]);
        d[4 * k] = c[0]; d[4 * k + 1] = c[1]; d[4 * k + 2] = c[2]; d[4 * k + 3] = 255;
      }
      hctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(heat, 0, 0, NET_BOARD, NET_BOARD);
      ctx.drawImage(layer, 0, 0);
      var n = r.train.length;
      captions[i].textContent = r.stopped ? NET_TEXT.stopped(r.stopped)
        : n ? NET_TEXT.lossLine(fmt(r.train[n - 1]), fmt(r.test[n - 1])) : '';
    });
    document.getElementById('ox-net-count').textContent = String(runs.reduce(function (m, r) { return Math.max(m, r.train.length); }, 0));
    netChart();
    app.setAttribute('data-net-draws', String(++netDraws));
    if (netFrameMs) document.getElementById('ox-net-timing').textContent = NET_TEXT.timing(runs.length, netFrameMs.toFixed(1));
  }

  // Both losses of every network, on one linear scale from 0, at most 400 points a line.
  function netChart() {
    var hi = 0, n = 1;
    runs.forEach(function (r) {
      n = Math.max(n, r.train.length);
      for (var k = 0; k < r.train.length; k++) {
        if (isFinite(r.train[k])) hi = Math.max(hi, r.train[k]);
        if (isFinite(r.test[k])) hi = Math.max(hi, r.test[k]);
      }
    });
    hi = hi > 0 ? hi : 1;
    var L = 40, B = 18, sx = (NET_CW - L - 6) / Math.max(1, n - 1), sy = (NET_CH - B - 8) / hi, every = Math.max(1, Math.ceil(n / 400));
    var html = '<text x="2" y="12" class="ox-axis">' + fmt(hi) + '</text><text x="2" y="' + (NET_CH - B) + '" class="ox-axis">0</text>' +
      '<text x="' + L + '" y="' + (NET_CH - 4) + '" class="ox-axis">' + esc(NET_TEXT.steps) + ' 1</text>' +
      '<text x="' + (NET_CW - 70) + '" y="' + (NET_CH - 4) + '" class="ox-axis">' + esc(NET_TEXT.steps) + ' ' + n + '</text>' +
      '<line x1="' + L + '" y1="' + (NET_CH - B) + '" x2="' + NET_CW + '" y2="' + (NET_CH - B) + '" class="ox-frame"></line>';
    runs.forEach(function (r, i) {
      // The batch's loss is noisy: thin and light; the test loss carries the comparison.
      [['train', '', 1, 0.45], ['test', '6 3', 2, 1]].forEach(function (series) {
        var v = r[series[0]], pts = '';
        var add = function (k) {
          if (isFinite(v[k])) pts += Math.round((L + k * sx) * 10) / 10 + ',' + Math.round((NET_CH - B - v[k] * sy) * 10) / 10 + ' ';
        };
        for (var k = 0; k < v.length; k += every) add(k);
        if (v.length && (v.length - 1) % every) add(v.length - 1);
        html += '<polyline fill="none" stroke="' + NET_COLORS[i] + '" stroke-dasharray="' + series[1] + '" stroke-width="' + series[2] +
          '" stroke-opacity="' + series[3] + '" points="' + pts + '"></polyline>';
      });
    });
    document.getElementById('ox-net-loss').innerHTML = html;
  }

  // ---- start -------------------------------------------------------------------------------------

  optlabEngine().then(function (module) {
    engine = module;
    catalogue = engine.catalogue();
    if (preset['function'] && functionInfo(preset['function'])) state.fn = preset['function'];
    if (preset.convention) state.convention = preset.convention;
    if (preset.steps !== undefined) state.steps = preset.steps;
    state.start = (preset.start || functionInfo(state.fn).start).slice();
    (preset.arms || [{ optimizer: 'sgd', hyper: {} }]).forEach(function (a) {
      if (!optimizerInfo(a.optimizer) || state.arms.length >= MAX_PATHS) return;
      var hyper = defaultsOf(a.optimizer, state.convention);
      for (var k in a.hyper) hyper[k] = a.hyper[k];
      state.arms.push({ optimizer: a.optimizer, hyper: hyper });
    });
    build();
    renderArms();
    syncStartInputs();
    drawContours();
    redraw();
    [['sgd', 0.1], ['momentum', 0.1], ['adagrad', 0.1], ['adam', 0.03]].forEach(function (a) {
      if (!optimizerInfo(a[0])) return;
      var hyper = defaultsOf(a[0], 'torch');
      hyper.lr = a[1];
      net.arms.push({ optimizer: a[0], convention: 'torch', hyper: hyper });
    });
    buildNetwork();
    netRestart();

    // The engine and the view, for tests and for anyone scripting the page.
    window.optlab = {
      catalogue: catalogue,
      // {function, optimizer, convention, start: [x, y], steps, hyper: {lr, ...}} -> [[step, x, y, f], ...]
      trajectory: function (spec) { return run(spec || {}, false).rows; },
      // What the plot shows now: per path its settings, its rows and its polyline's points.
      drawn: function () {
        return drawn.map(function (d, i) {
          var line = document.querySelector('#ox-paths polyline[data-index="' + i + '"]');
          return { label: d.label, optimizer: d.optimizer, convention: d.convention, 'function': d['function'], hyper: d.hyper,
                   start: d.start, steps: d.steps, rows: d.rows.map(function (r) { return r.slice(0, 4); }),
                   points: line ? line.getAttribute('points') : '' };
        });
      },
      // Sets the view (any of function, convention, steps, start, view, arms: [{optimizer, hyper}])
      // and redraws at once.
      configure: function (c) {
        if (c['function']) { state.fn = c['function']; state.start = functionInfo(state.fn).start.slice(); }
        if (c.convention) state.convention = c.convention;
        if (c.steps !== undefined) state.steps = c.steps;
        if (c.start) state.start = c.start.slice();
        if (c.view) state.view = c.view;
        if (c.arms) {
          state.arms = c.arms.slice(0, MAX_PATHS).map(function (a) {
            var h = defaultsOf(a.optimizer, state.convention);
            for (var k in a.hyper || {}) h[k] = a.hyper[k];
            return { optimizer: a.optimizer, hyper: h };
          });
        }
        document.getElementById('ox-function').value = state.fn;
        document.getElementById('ox-convention').value = state.convention;
        document.getElementById('ox-steps').value = state.steps;
        var radio = document.querySelector('input[name="ox-view"][value="' + state.view + '"]');
        if (radio) radio.checked = true;
        syncStartInputs();
        renderArms();
        drawContours();
        redraw();
      },
      // Redraws `times` times and returns each redraw's milliseconds (compute + draw).
      measureRedraw: function (times) {
        var ms = [];
        for (var i = 0; i < (times || 20); i++) { redraw(); ms.push(lastRedrawMs); }
        return ms;
      },
      lastRedrawMs: function () { return lastRedrawMs; },
      // {dataset, noise, seed, hidden, activation, init, optimizer, convention, hyper, batch,
      //  steps, features, points, trainRatio, l2} -> {train: [...], test: [...]}: a loss per step,
      // those `optlab train --problem 2d-DATASET` logs. Throws an Error with the library's message.
      train: function (spec) { return trainNetwork(spec || {}); },
      // The network view: its settings, the step and each network's losses so far.
      network: function () {
        return { settings: JSON.parse(JSON.stringify(net)), steps: runs.reduce(function (m, r) { return Math.max(m, r.train.length); }, 0),
                 runs: runs.map(function (r, i) {
                   return { spec: netSpec(net.arms[i]), train: r.train.slice(), test: r.test.slice(), stopped: r.stopped, error: r.error };
                 }) };
      },
      // Sets any of the view's settings (arms: [{optimizer, convention, hyper}]) and restarts.
      configureNetwork: function (c) {
        netPlay(false);
        ['dataset', 'noise', 'trainRatio', 'points', 'seed', 'features', 'hidden', 'activation', 'init', 'l2', 'batch', 'speed'].forEach(function (k) {
          if (c[k] !== undefined) net[k] = Array.isArray(c[k]) ? c[k].slice() : c[k];
        });
        if (c.arms) {
          net.arms = c.arms.slice(0, NET_MAX).map(function (a) {
            var conv = a.convention || 'torch', h = defaultsOf(a.optimizer, conv);
            for (var k in a.hyper || {}) h[k] = a.hyper[k];
            return { optimizer: a.optimizer, convention: conv, hyper: h };
          });
        }
        var section = document.getElementById('ox-net');
        if (section) section.parentNode.removeChild(section);
        buildNetwork();
        netRestart();
      },
      // Steps every network n times (as One step does), then draws.
      stepNetwork: function (n) { netStep(n || 1); netDraw(); },
      playNetwork: function (on) { netPlay(on !== false); },
      // n frames of the view playing (each: its steps, heat maps, points and chart), timed
      // in the page: {ms: [...] per frame's work, gaps: [...] between animation frames}.
      measureNetworkFrames: function (n) {
        return new Promise(function (done) {
          var ms = [], gaps = [], last = null;
          netPlay(false);
          (function frame(t) {
            if (last !== null) gaps.push(t - last);
            last = t;
            var t0 = performance.now();
            netStep(net.speed);
            netDraw();
            ms.push(performance.now() - t0);
            if (ms.length < n) requestAnimationFrame(frame); else done({ ms: ms, gaps: gaps });
          })(performance.now());
        });
      }
    };
    app.setAttribute('data-ready', 'true');
  }, function (err) {
    app.innerHTML = '<p class="ox-error" role="alert">The engine did not start: ' + esc(err && err.message || err) + '</p>';
  });
})();
