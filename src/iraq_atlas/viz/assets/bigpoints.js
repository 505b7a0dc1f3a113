/* Iraq Atlas large point layer: binary columns drawn on one canvas, grid-clustered per zoom.
 *
 * The payload (see iraq_atlas.viz.bigpoints.event_columns) carries typed-array columns in
 * base64, zlib-compressed where that was smaller. Clustering runs in a web worker made from
 * a Blob (falls back to the page thread when workers are unavailable): at zoom z the world is
 * cut into square cells of `cellPx` screen pixels, anchored at the world origin so cells do
 * not move when the map pans; each cell holding events becomes one circle at the events'
 * centroid (a single event is drawn as itself). Popups are built on click from the columns,
 * with DOM textContent only (IA.card).
 * MIT licence, part of Iraq Atlas.
 */
(function () {
  'use strict';
  var IA = window.IA = window.IA || {};
  if (IA.BigPoints) { return; }

  var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array};

  function fromBase64(s) {
    if (Uint8Array.fromBase64) { return Uint8Array.fromBase64(s); }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  // one packed column -> Promise of its typed array
  function column(c) {
    if (!c) { return Promise.resolve(null); }
    var raw = fromBase64(c.b64);
    return (c.z ? inflate(raw) : Promise.resolve(raw)).then(function (b) {
      var T = TYPES[c.dtype];
      return new T(b.buffer, b.byteOffset, b.byteLength / T.BYTES_PER_ELEMENT);
    });
  }

  // {name: packed column} -> Promise of {name: typed array}; missing day/category become zeros
  function decodeAll(cols, n) {
    var names = Object.keys(cols);
    return Promise.all(names.map(function (k) { return column(cols[k]); })).then(function (a) {
      var out = {};
      names.forEach(function (k, i) { out[k] = a[i]; });
      return out;
    });
  }

  // -- clustering core: runs in the worker (via toString) or, as a fallback, in the page ----------
  function core() {
    var X = null, Y = null, C = null, D = null, n = 0;
    function init(m) {
      n = m.n; X = new Float64Array(n); Y = new Float64Array(n);
      C = m.cat || new Uint8Array(n); D = m.day || new Uint16Array(n);
      var s = m.scale, lon = m.lon, lat = m.lat, r = Math.PI / 180;
      for (var i = 0; i < n; i++) {
        X[i] = (lon[i] / s + 180) / 360;
        var sn = Math.sin(lat[i] / s * r);
        sn = Math.max(Math.min(sn, 0.9999999), -0.9999999);
        Y[i] = 0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI);
      }
    }
    function visible(i, q) { return q.mask[C[i]] && D[i] <= q.maxDay; }
    // cells of the events inside [x0,x1]x[y0,y1] (world units 0..1) at cell size q.cell
    function query(q) {
      var cs = q.cell, gx0 = Math.floor(q.x0 / cs), gy0 = Math.floor(q.y0 / cs);
      var cols = Math.floor(q.x1 / cs) - gx0 + 1, rows = Math.floor(q.y1 / cs) - gy0 + 1, nc = cols * rows;
      var cnt = new Uint32Array(nc), sx = new Float64Array(nc), sy = new Float64Array(nc);
      var first = new Int32Array(nc), same = new Uint8Array(nc), total = 0;
      for (var i = 0; i < n; i++) {
        if (!visible(i, q)) { continue; }
        var x = X[i], y = Y[i];
        if (x < q.x0 || x > q.x1 || y < q.y0 || y > q.y1) { continue; }
        var k = (Math.floor(x / cs) - gx0) + cols * (Math.floor(y / cs) - gy0);
        if (cnt[k] === 0) { first[k] = i; same[k] = 1; }
        else if (same[k] && (X[first[k]] !== x || Y[first[k]] !== y)) { same[k] = 0; }
        cnt[k]++; sx[k] += x; sy[k] += y; total++;
      }
      var m = 0;
      for (k = 0; k < nc; k++) { if (cnt[k]) { m++; } }
      var out = {id: q.id, z: q.z, cell: q.cell, total: total, count: new Uint32Array(m), x: new Float64Array(m),
                 y: new Float64Array(m), idx: new Int32Array(m), same: new Uint8Array(m),
                 gx: new Float64Array(m), gy: new Float64Array(m)};
      var j = 0;
      for (k = 0; k < nc; k++) {
        if (!cnt[k]) { continue; }
        out.count[j] = cnt[k]; out.x[j] = sx[k] / cnt[k]; out.y[j] = sy[k] / cnt[k]; out.idx[j] = first[k];
        out.same[j] = same[k]; out.gx[j] = gx0 + k % cols; out.gy[j] = gy0 + Math.floor(k / cols); j++;
      }
      return out;
    }
    // every visible event of one cell (gx, gy) at cell size q.cell
    function members(q) {
      var cs = q.cell, out = [];
      for (var i = 0; i < n; i++) {
        if (visible(i, q) && Math.floor(X[i] / cs) === q.gx && Math.floor(Y[i] / cs) === q.gy) { out.push(i); }
      }
      return {id: q.id, members: Int32Array.from(out)};
    }
    return {init: init, query: query, members: members};
  }

  function workerMain() {
    var c = CORE();  // eslint-disable-line no-undef
    self.onmessage = function (e) {
      var m = e.data;
      if (m.type === 'load' || m.type === 'decode') {
        // inflate the columns here, off the page thread; the page gets them back (transferred)
        decodeAll(m.cols).then(function (out) {
          var keep = {}, back = [];
          if (m.type === 'load') {
            c.init({n: m.n, scale: m.scale, lon: out.lon, lat: out.lat, cat: out.cat, day: out.day});
            Object.keys(out).forEach(function (k) { if (out[k]) { keep[k] = out[k].slice(); } });
          } else { keep = out; }
          Object.keys(keep).forEach(function (k) { if (keep[k]) { back.push(keep[k].buffer); } });
          self.postMessage({id: m.id, cols: keep}, back);
        });
      }
      else if (m.type === 'init') { c.init(m); self.postMessage({id: m.id, ok: true}); }
      else if (m.type === 'query') { var r = c.query(m); self.postMessage(r, [r.count.buffer, r.x.buffer, r.y.buffer]); }
      else if (m.type === 'members') { self.postMessage(c.members(m)); }
    };
  }

  // A request/response channel to the worker, or to the same core on this thread.
  function Engine() {
    this._next = 1; this._wait = {}; this._local = null;
    try {
      var src = 'var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array};\n' +
        fromBase64.toString() + '\n' + inflate.toString() + '\n' + column.toString() + '\n' + decodeAll.toString() +
        '\nvar CORE = ' + core.toString() + ';\n(' + workerMain.toString() + ')();';
      var url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
      this._worker = new Worker(url);
      var self = this;
      this._worker.onmessage = function (e) { var f = self._wait[e.data.id]; delete self._wait[e.data.id]; if (f) { f(e.data); } };
      this._worker.onerror = function (e) { e.preventDefault(); self._fallback(); };
    } catch (err) {
      this._worker = null; this._local = core();
    }
    this.mode = this._worker ? 'worker' : 'page';
  }
  // the position columns: decoded (in the worker, which keeps a copy for clustering) and returned
  Engine.prototype.load = function (cols, n, scale) {
    if (this._local) {
      var c = this._local;
      return decodeAll(cols).then(function (out) {
        c.init({n: n, scale: scale, lon: out.lon, lat: out.lat, cat: out.cat, day: out.day}); return out;
      });
    }
    return this.send({type: 'load', cols: cols, n: n, scale: scale}).then(function (r) { return r.cols; });
  };
  Engine.prototype.decode = function (cols) {
    if (this._local) { return decodeAll(cols); }
    return this.send({type: 'decode', cols: cols}).then(function (r) { return r.cols; });
  };
  Engine.prototype._fallback = function () {
    if (this._local) { return; }
    this._local = core(); this._worker = null; this.mode = 'page';
    var pending = this._sent || [];
    this._sent = [];
    for (var i = 0; i < pending.length; i++) { this.send(pending[i].msg, true).then(pending[i].done); }
  };
  Engine.prototype.send = function (msg, again) {
    var self = this;
    if (!again) { msg.id = this._next++; }
    if (this._local) {
      var c = this._local;
      return new Promise(function (done) {
        if (msg.type === 'load' || msg.type === 'decode') {
          decodeAll(msg.cols).then(function (out) {
            if (msg.type === 'load') { c.init({n: msg.n, scale: msg.scale, lon: out.lon, lat: out.lat, cat: out.cat, day: out.day}); }
            done({cols: out});
          });
          return;
        }
        setTimeout(function () { done(msg.type === 'init' ? (c.init(msg), {ok: true}) : c[msg.type](msg)); }, 0);
      });
    }
    return new Promise(function (done) {
      self._wait[msg.id] = function (r) {
        self._sent = (self._sent || []).filter(function (s) { return s.msg !== msg; }); done(r);
      };
      self._sent = (self._sent || []).concat([{msg: msg, done: done}]);
      self._worker.postMessage(msg);
    });
  };

  function fmtCount(c) {
    return c < 1000 ? String(c) : c < 1e6 ? (c / 1000).toFixed(c < 1e4 ? 1 : 0) + 'k' : (c / 1e6).toFixed(1) + 'M';
  }
  function isoDay(day0ms, d) { return new Date(day0ms + d * 864e5).toISOString().slice(0, 10); }

  // -- the canvas layer --------------------------------------------------------------------------
  IA.BigPoints = L.Renderer.extend({
    options: {padding: 0.5, pane: 'iaBigPoints', cellPx: 60},

    initialize: function (payload) {
      L.Renderer.prototype.initialize.call(this, {});
      this.payload = payload;
      this.n = payload.n;
      this.mask = new Uint8Array(payload.cats.length);
      this.maxDay = 65535;
      this.day0 = payload.day0 ? Date.parse(payload.day0) : null;
      this.view = null; this.pending = 0; this.ready = false; this.queries = 0;
      this._decoder = new TextDecoder();
      this.timing = {start: performance.now()};
      var self = this, cols = payload.cols, names = ['lon', 'lat', 'day', 'cat', 'color', 'radius'];
      this.engine = new Engine();   // the worker starts while the columns inflate
      var drawn = new Promise(function (done) { self._firstDraw = done; });
      var wanted = {};
      names.forEach(function (k) { if (cols[k]) { wanted[k] = cols[k]; } });
      this.loaded = this.engine.load(wanted, this.n, payload.scale).then(function (out) {
        self.col = {};
        names.forEach(function (k) { self.col[k] = out[k] || null; });
        if (!self.col.day) { self.col.day = new Uint16Array(self.n); }
        if (!self.col.cat) { self.col.cat = new Uint8Array(self.n); }
        if (payload.colorByCat) { self.col.color = self.col.cat; }
        self.timing.decoded = self.timing.init = performance.now();
        self.ready = true; self._query();
      });
      // the text columns are needed only for popups: they inflate once the events are drawn
      this.propsLoaded = drawn.then(function () { return self._loadProps(); })
        .then(function () { self.timing.props = performance.now(); });
      (IA.bigLayers = IA.bigLayers || []).push(this);
      (window.IA_TIME = window.IA_TIME || []).push({setDay: function (day) { self.setDay(day); }});
    },

    _loadProps: function () {
      var self = this, props = this.payload.props, packed = {};
      this.props = null;
      Object.keys(props).forEach(function (k) {
        var p = props[k];
        if (p.kind === 'dict') { packed[k + '.codes'] = p.codes; }
        if (p.kind === 'text') { packed[k + '.bytes'] = p.bytes; packed[k + '.lengths'] = p.lengths; }
      });
      return this.engine.decode(packed).then(function (cols) {
        var out = {};
        Object.keys(props).forEach(function (k) {
          var p = props[k], o = {kind: p.kind, values: p.values, value: p.value};
          if (p.kind === 'dict') { o.codes = cols[k + '.codes']; }
          if (p.kind === 'text') {
            var len = cols[k + '.lengths'], off = new Float64Array(len.length + 1);
            for (var i = 0; i < len.length; i++) { off[i + 1] = off[i] + len[i]; }
            o.bytes = cols[k + '.bytes']; o.offsets = off;
          }
          out[k] = o;
        });
        self.props = out;
      });
    },

    // every property of event i, decoded from the columns
    record: function (i) {
      var out = {}, self = this;
      Object.keys(this.props).forEach(function (k) {
        var p = self.props[k], v = null;
        if (p.kind === 'const') { v = p.value; }
        else if (p.kind === 'dict') { v = p.values[p.codes[i]]; }
        else if (p.kind === 'cat') { v = self.payload.cats[self.col.cat[i]]; }
        else if (p.kind === 'day') { v = self.col.day[i] === 65535 ? null : isoDay(self.day0, self.col.day[i]); }
        else if (p.kind === 'text') { v = self._decoder.decode(p.bytes.subarray(p.offsets[i], p.offsets[i + 1])); }
        out[k] = v;
      });
      return out;
    },
    latLng: function (i) { var s = this.payload.scale; return L.latLng(this.col.lat[i] / s, this.col.lon[i] / s); },

    // -- filters ---------------------------------------------------------------------------
    setCategory: function (k, on) { this.mask[k] = on ? 1 : 0; this._query(); },
    setDay: function (day) {
      var last = this.payload.ndays - 1;
      var d = this.day0 === null ? last : Math.round((Date.parse(day) - this.day0) / 864e5);
      this.maxDay = d >= last ? 65535 : d;
      this._query();
    },
    // a toggleable handle for one category: adding it to the map shows the category
    toggle: function (k) {
      var self = this;
      var H = L.Layer.extend({
        onAdd: function () { self.setCategory(k, true); },
        onRemove: function () { self.setCategory(k, false); }
      });
      return new H();
    },

    // -- Leaflet renderer plumbing ---------------------------------------------------------
    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        var pane = map.createPane(this.options.pane);
        pane.style.zIndex = 450; pane.style.pointerEvents = 'none';
      }
      L.Renderer.prototype.onAdd.call(this, map);
      var self = this, box = map.getContainer();
      this._onDomClick = function (e) { self._click(e); };
      this._onDomMove = function (e) { self._hover(e); };
      box.addEventListener('click', this._onDomClick, true);
      box.addEventListener('mousemove', this._onDomMove);
      map.on('moveend', this._maybeQuery, this);
    },
    onRemove: function (map) {
      var box = map.getContainer();
      box.removeEventListener('click', this._onDomClick, true);
      box.removeEventListener('mousemove', this._onDomMove);
      map.off('moveend', this._maybeQuery, this);
      L.Renderer.prototype.onRemove.call(this, map);
    },
    _initContainer: function () {
      this._container = document.createElement('canvas');
      this._container.className = 'ia-bigpoints';
      this._ctx = this._container.getContext('2d');
    },
    _destroyContainer: function () { L.DomUtil.remove(this._container); delete this._ctx; delete this._container; },
    _update: function () {
      if (this._map._animatingZoom && this._bounds) { return; }
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, c = this._container, size = b.getSize(), r = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(c, b.min);
      c.width = Math.round(r * size.x); c.height = Math.round(r * size.y);
      c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
      this._ctx.setTransform(r, 0, 0, r, -b.min.x * r, -b.min.y * r);
      this._draw();
    },
    _updatePaths: function () {},

    // -- queries ---------------------------------------------------------------------------
    _area: function () {
      var map = this._map, z = map.getZoom(), ws = 256 * Math.pow(2, z), o = map.getPixelOrigin();
      var size = map.getSize(), p = this.options.padding * 2;
      return {z: z, ws: ws, x0: (o.x - size.x * p) / ws, y0: (o.y - size.y * p) / ws,
              x1: (o.x + size.x * (1 + p)) / ws, y1: (o.y + size.y * (1 + p)) / ws};
    },
    _maybeQuery: function () {
      var v = this.view, map = this._map;
      if (!v || !map) { return; }
      var a = this._area(), q = v.area;
      if (a.z !== q.z || a.x0 < q.x0 || a.y0 < q.y0 || a.x1 > q.x1 || a.y1 > q.y1) { this._query(); }
    },
    _query: function () {
      if (!this.ready || !this._map) { return; }
      var self = this, a = this._area();
      // the area asked for reaches one padding further than the canvas, so small pans need no query
      var msg = {type: 'query', z: a.z, cell: this.options.cellPx / a.ws, x0: Math.max(a.x0, 0),
                 y0: Math.max(a.y0, 0), x1: Math.min(a.x1, 1), y1: Math.min(a.y1, 1),
                 mask: this.mask.slice(), maxDay: this.maxDay};
      var seq = ++this.queries;
      this.pending++;
      this.engine.send(msg).then(function (r) {
        self.pending--;
        if (seq !== self.queries) { return; }   // a newer query is on its way
        r.area = {z: a.z, x0: a.x0, y0: a.y0, x1: a.x1, y1: a.y1};
        r.mask = msg.mask; r.maxDay = msg.maxDay;
        self.view = r; self._draw();
        if (!self.timing.drawn) { self.timing.drawn = performance.now(); self._firstDraw(); }
        self.drawn = (self.drawn || 0) + 1;
      });
    },

    // -- drawing ---------------------------------------------------------------------------
    _point: function (v, j) {
      var ws = 256 * Math.pow(2, this._map.getZoom()), o = this._map.getPixelOrigin();
      return [v.x[j] * ws - o.x, v.y[j] * ws - o.y];
    },
    _radius: function (v, j) {
      if (v.count[j] === 1) { return this.col.radius ? this.col.radius[v.idx[j]] : this.payload.radius; }
      return Math.min(9 + 3 * Math.log10(v.count[j]), 22);
    },
    _draw: function () {
      var ctx = this._ctx, v = this.view, b = this._bounds;
      if (!ctx || !b) { return; }
      ctx.clearRect(b.min.x, b.min.y, b.max.x - b.min.x, b.max.y - b.min.y);
      if (!v) { return; }
      var pal = this.payload.palette, ccol = this.col.color, ws = 256 * Math.pow(2, this._map.getZoom());
      var o = this._map.getPixelOrigin(), j, x, y, r, m = v.count.length, k;
      // single events first, grouped by colour (one path per colour), then the clusters above them
      var byColour = {};
      for (j = 0; j < m; j++) {
        if (v.count[j] !== 1) { continue; }
        k = ccol ? ccol[v.idx[j]] : this.payload.color;
        (byColour[k] = byColour[k] || []).push(j);
      }
      ctx.lineWidth = 1;
      Object.keys(byColour).forEach(function (key) {
        var list = byColour[key];
        ctx.beginPath();
        for (var t = 0; t < list.length; t++) {
          var jj = list[t], px = v.x[jj] * ws - o.x, py = v.y[jj] * ws - o.y, rr = this._radius(v, jj);
          ctx.moveTo(px + rr, py); ctx.arc(px, py, rr, 0, 2 * Math.PI);
        }
        ctx.globalAlpha = 0.75; ctx.fillStyle = pal[key]; ctx.fill();
        ctx.globalAlpha = 1; ctx.strokeStyle = pal[key]; ctx.stroke();
      }, this);
      ctx.font = 'bold 11px sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      for (j = 0; j < m; j++) {
        var c = v.count[j];
        if (c === 1) { continue; }
        x = v.x[j] * ws - o.x; y = v.y[j] * ws - o.y; r = this._radius(v, j);
        ctx.beginPath(); ctx.arc(x, y, r + 3, 0, 2 * Math.PI);
        ctx.fillStyle = c < 100 ? 'rgba(110,204,57,0.45)' : c < 1000 ? 'rgba(240,194,12,0.45)' : 'rgba(241,128,23,0.45)';
        ctx.fill();
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = c < 100 ? 'rgba(110,204,57,0.85)' : c < 1000 ? 'rgba(240,194,12,0.85)' : 'rgba(241,128,23,0.85)';
        ctx.fill();
        ctx.fillStyle = '#222'; ctx.fillText(fmtCount(c), x, y);
      }
    },

    // -- interaction -----------------------------------------------------------------------
    // the drawn cell under a container point, or -1
    hit: function (cp) {
      var v = this.view;
      if (!v || !this._map || v.z !== this._map.getZoom()) { return -1; }
      var lp = this._map.containerPointToLayerPoint(cp), best = -1, bd = Infinity;
      for (var j = 0; j < v.count.length; j++) {
        var p = this._point(v, j), dx = p[0] - lp.x, dy = p[1] - lp.y, d = dx * dx + dy * dy, r = this._radius(v, j) + 3;
        if (d <= r * r && d < bd) { bd = d; best = j; }
      }
      return best;
    },
    _eventPoint: function (e) {
      if (!this._map || (e.target.closest && e.target.closest('.leaflet-control, .leaflet-popup'))) { return null; }
      return this._map.mouseEventToContainerPoint(e);
    },
    _hover: function (e) {
      var cp = this._eventPoint(e);
      if (!cp) { return; }
      var j = this.hit(cp);
      this._map.getContainer().style.cursor = j >= 0 ? 'pointer' : '';
      var tip = this.payload.tooltip;
      if (j >= 0 && tip && this.props && this.view.count[j] === 1) {
        var i = this.view.idx[j];
        if (this._tipFor !== i) {
          this._tipFor = i;
          if (this._tip) { this._map.closeTooltip(this._tip); }
          this._tip = L.tooltip({direction: 'top', offset: [0, -6]}).setLatLng(this.latLng(i))
            .setContent(IA.text(this.record(i)[tip]));
          this._map.openTooltip(this._tip);
        }
      } else if (this._tip) { this._map.closeTooltip(this._tip); this._tip = null; this._tipFor = null; }
    },
    _click: function (e) {
      var cp = this._eventPoint(e), map = this._map;
      if (!cp || (map.dragging && map.dragging.moved())) { return; }
      var j = this.hit(cp);
      if (j < 0) { return; }
      e.stopPropagation(); e.preventDefault();
      this.openCell(j);
    },
    // open what a click on drawn cell j opens: the event's popup, a zoom into the cluster,
    // or (events at one spot, or the deepest zoom) a popup paging through its events
    openCell: function (j) {
      var v = this.view, map = this._map, self = this;
      if (v.count[j] === 1) { return this.propsLoaded.then(function () { return self.openEvent(v.idx[j]); }); }
      var ws = 256 * Math.pow(2, v.z);
      var centre = map.unproject([v.x[j] * ws, v.y[j] * ws], v.z);
      if (!v.same[j] && v.z < map.getMaxZoom()) {
        map.setView(centre, Math.min(v.z + 2, map.getMaxZoom()));
        return Promise.resolve(null);
      }
      return this.engine.send({type: 'members', cell: v.cell, gx: v.gx[j], gy: v.gy[j], mask: v.mask,
                               maxDay: v.maxDay}).then(function (r) {
        return self.propsLoaded.then(function () { return self.openList(Array.from(r.members), centre); });
      });
    },
    card: function (i) { var p = this.payload; return IA.card(this.record(i), p.popup, p.title); },
    openEvent: function (i) {
      this.popup = L.popup({maxWidth: 360}).setLatLng(this.latLng(i)).setContent(this.card(i)).openOn(this._map);
      this.popup.iaEvents = [i];
      return this.popup;
    },
    openList: function (list, where) {
      var self = this, at = 0, box = document.createElement('div'), nav = document.createElement('div');
      var prev = document.createElement('button'), next = document.createElement('button');
      var label = document.createElement('span'), body = document.createElement('div');
      box.className = 'ia-big-list'; nav.className = 'ia-big-nav';
      prev.type = next.type = 'button'; prev.textContent = '◀'; next.textContent = '▶';
      prev.className = 'ia-prev'; next.className = 'ia-next'; label.style.margin = '0 6px';
      function show() {
        label.textContent = 'Event ' + (at + 1) + ' of ' + list.length;
        body.textContent = ''; body.appendChild(self.card(list[at]));
      }
      prev.addEventListener('click', function (e) { L.DomEvent.stop(e); at = (at + list.length - 1) % list.length; show(); });
      next.addEventListener('click', function (e) { L.DomEvent.stop(e); at = (at + 1) % list.length; show(); });
      nav.appendChild(prev); nav.appendChild(label); nav.appendChild(next);
      box.appendChild(nav); box.appendChild(body); show();
      this.popup = L.popup({maxWidth: 360}).setLatLng(where).setContent(box).openOn(this._map);
      this.popup.iaEvents = list;
      return this.popup;
    }
  });

  IA.bigPoints = function (payload, map) { return new IA.BigPoints(payload).addTo(map); };
})();
