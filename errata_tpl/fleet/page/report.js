// The report's tables: drawn from the embedded data, one page of rows at a time, so
// that sorting and filtering 10,000 machines stays instant. No network, no library.
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var RANK = { Critical: 0, Important: 1, Moderate: 2, Low: 3, unrated: 4, current: 5, unknown: 6, error: 7 };
  var WORST_LABEL = {
    Critical: "Critical", Important: "Important", Moderate: "Moderate", Low: "Low",
    unrated: "Not rated", current: "Up to date", unknown: "No data", error: "Error"
  };
  var LEVELS = D.levels;

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function badge(level) { return el("span", { "class": "sev sev-" + level }, WORST_LABEL[level] || level); }
  function num(n) { return n === null || n === undefined ? "\u2013" : Number(n).toLocaleString("en"); }

  // --- advisories and what each distinct package list lacks ---------------------------------
  var ADV = D.advisories.map(function (a, i) {
    return { i: i, id: a[0], type: a[1], level: a[2], issued: a[3], cves: a[4], packages: a[5],
             lacking: a[6], have: a[7], os: a[8],
             text: (a[0] + " " + a[4].join(" ") + " " + a[5].join(" ")).toLowerCase() };
  });
  var SETS = D.sets.map(function (lackIds) {
    var counts = {}, cves = {}, ids = [], ncve = 0;
    LEVELS.forEach(function (l) { counts[l] = 0; });
    lackIds.forEach(function (li) {
      var a = ADV[D.lacks[li][0]];
      counts[a.level]++;
      ids.push(a.id);
      a.cves.forEach(function (c) { if (!cves[c]) { cves[c] = 1; ncve++; ids.push(c); } });
    });
    return { lacks: lackIds, counts: counts, total: lackIds.length, cves: ncve, text: ids.join(" ").toLowerCase() };
  });
  var NODES = D.nodes.map(function (n, i) {
    var s = SETS[n[6]];
    return { i: i, name: n[0], os: n[1], profile: n[2], from: n[3], age: n[4], worst: n[5], set: s,
             days: n[7], kernel: n[8], running: n[9], reboot: n[10], stage: n[11], hotfixes: n[12],
             error: n[13], newest: n[14], state: n[15], seen: n[16],
             text: [n[0], n[1], n[2] || "", n[3], n[11] || "", n[12].join(" ")].join(" ").toLowerCase() };
  });

  // --- a sortable, filterable, paged table ---------------------------------------------------
  function Table(opts) {
    this.o = opts;
    this.rows = opts.rows;
    this.shown = opts.rows;
    this.page = 0;
    this.size = 100;
    this.sortKey = null;
    this.sortDir = 1;
    this.open = {};
    var self = this, tr = el("tr");
    opts.columns.forEach(function (c) {
      var th = el("th", { "class": c.num ? "num" : null, "data-col": c.key, scope: "col", title: c.title || null },
                  el("button", { type: "button" }, c.label));
      th.firstChild.addEventListener("click", function () { self.sortBy(c.key); });
      tr.appendChild(th);
    });
    opts.table.tHead.appendChild(tr);
    opts.table.tBodies[0].addEventListener("click", function (ev) {
      var row = ev.target.closest("tr.row");
      if (!row || ev.target.closest("a, button")) return;
      var i = Number(row.getAttribute("data-i"));
      self.open[i] = !self.open[i];
      self.draw();
    });
  }
  Table.prototype.column = function (key) {
    return this.o.columns.filter(function (c) { return c.key === key; })[0];
  };
  Table.prototype.sortBy = function (key, dir) {
    this.sortDir = dir || (this.sortKey === key ? -this.sortDir : 1);
    this.sortKey = key;
    var value = this.column(key).value, d = this.sortDir;
    var keyed = this.rows.map(function (r) { return [value(r), r]; });
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x === y) return a[1].i - b[1].i;
      if (x === null || x === undefined) return 1;  // no value: last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * d;
    });
    this.rows = keyed.map(function (k) { return k[1]; });
    var self = this;
    Array.prototype.forEach.call(this.o.table.tHead.rows[0].cells, function (th) {
      var on = th.getAttribute("data-col") === key;
      th.setAttribute("aria-sort", on ? (self.sortDir > 0 ? "ascending" : "descending") : "none");
    });
    this.filter();
  };
  Table.prototype.filter = function () {
    var keep = this.o.keep;
    this.shown = this.rows.filter(function (r) { return keep(r); });
    this.page = Math.min(this.page, Math.max(0, Math.ceil(this.shown.length / this.size) - 1));
    this.draw();
  };
  Table.prototype.draw = function () {
    var body = this.o.table.tBodies[0], cols = this.o.columns, self = this;
    var start = this.page * this.size, part = this.shown.slice(start, start + this.size);
    var frag = document.createDocumentFragment();
    part.forEach(function (r) {
      var tr = el("tr", { "class": "row", "data-i": r.i, "data-key": r.name || r.id, "aria-expanded": self.open[r.i] ? "true" : "false" });
      cols.forEach(function (c) {
        var td = el("td", { "class": c.num ? "num" : null, "data-col": c.key });
        var v = c.cell ? c.cell(r) : c.value(r);
        td.appendChild(typeof v === "object" && v !== null ? v : document.createTextNode(v === null || v === undefined ? "\u2013" : (c.num ? num(v) : String(v))));
        tr.appendChild(td);
      });
      frag.appendChild(tr);
      if (self.open[r.i]) frag.appendChild(el("tr", { "class": "detail" }, el("td", { colspan: cols.length }, self.o.detail(r))));
    });
    body.textContent = "";
    body.appendChild(frag);
    this.pager();
  };
  Table.prototype.pager = function () {
    var p = this.o.pager, self = this, n = this.shown.length, pages = Math.max(1, Math.ceil(n / this.size));
    p.textContent = "";
    var first = n ? this.page * this.size + 1 : 0, last = Math.min(n, (this.page + 1) * this.size);
    var prev = el("button", { type: "button", "class": "prev" }, "\u2190 Previous");
    var next = el("button", { type: "button", "class": "next" }, "Next \u2192");
    prev.disabled = this.page === 0;
    next.disabled = this.page >= pages - 1;
    prev.addEventListener("click", function () { self.page--; self.draw(); });
    next.addEventListener("click", function () { self.page++; self.draw(); });
    var size = el("select", { "class": "size", "aria-label": "rows per page" });
    [50, 100, 500, 2000].forEach(function (s) {
      var o = el("option", { value: s }, s + " per page");
      if (s === self.size) o.selected = true;
      size.appendChild(o);
    });
    size.addEventListener("change", function () { self.size = Number(size.value); self.page = 0; self.draw(); });
    p.appendChild(prev);
    p.appendChild(el("span", { "class": "range" }, "Showing " + num(first) + "\u2013" + num(last) + " of " + num(n) +
      (n !== this.rows.length ? " (of " + num(this.rows.length) + ")" : "")));
    p.appendChild(next);
    p.appendChild(size);
  };

  // --- machines --------------------------------------------------------------------------
  var $ = function (id) { return document.getElementById(id); };
  var nodeTable = $("node-table");
  var observing = nodeTable.getAttribute("data-observing") === "1";
  function worstKey(r) { return RANK[r.worst] * 1e7 - r.set.total; }
  var nodeCols = [
    { key: "node", label: "Machine", value: function (r) { return r.name; } },
    { key: "os", label: "OS", value: function (r) { return r.os; } },
    { key: "profile", label: "Errata profile", title: "the dated profile it follows, and what chose it",
      value: function (r) { return r.profile || ""; },
      cell: function (r) {
        return el("span", null, el("strong", null, r.profile || "none"), " ", el("span", { "class": "muted" }, "(" + r.from + ")"),
                  r.profile && r.newest && r.profile !== r.newest ? el("div", { "class": "muted behind" }, "newest is " + r.newest) : null);
      } },
    { key: "age", label: "Profile age, days", num: true, value: function (r) { return r.age; } },
    { key: "worst", label: "Most severe missing", value: worstKey, cell: function (r) { return badge(r.worst); } },
    { key: "missing", label: "Missing updates", num: true, value: function (r) { return r.set.total; } },
    { key: "critical", label: "Critical", num: true, value: function (r) { return r.set.counts.Critical; } },
    { key: "important", label: "Important", num: true, value: function (r) { return r.set.counts.Important; } },
    { key: "cves", label: "CVEs", num: true, title: "distinct CVEs the missing updates fix", value: function (r) { return r.set.cves; } },
    { key: "days", label: "Exposed for, days", num: true, title: "since the oldest missing security update was issued",
      value: function (r) { return r.days; } },
    { key: "reboot", label: "Reboot needed", title: "the selected kernel is not the running one",
      value: function (r) { return r.reboot === null ? null : (r.reboot ? 0 : 1); },
      cell: function (r) { return r.reboot === null ? "\u2013" : (r.reboot ? el("span", { "class": "reboot" }, "yes") : "no"); } }
  ];
  if (nodeTable.getAttribute("data-stage") === "1")
    nodeCols.splice(3, 0, { key: "stage", label: "Stage", value: function (r) { return r.stage; } });
  if (nodeTable.getAttribute("data-hotfixes") === "1")
    nodeCols.splice(4, 0, { key: "hotfixes", label: "Hotfixes", value: function (r) { return r.hotfixes.join(", "); } });
  var STATE_RANK = { drifted: 0, pending: 1, stale: 2, applied: 3, unknown: 4 };
  if (nodeTable.getAttribute("data-observing") === "1")
    nodeCols.splice(1, 0, { key: "state", label: "State", title: "as its inventory shows it: applied, pending, drifted, stale, unknown",
      value: function (r) { return STATE_RANK[r.state]; },
      cell: function (r) { return el("span", { "class": "state state-" + r.state }, r.state); } });

  function advList(title, idx) {
    if (!idx.length) return null;
    return el("p", null, title, idx.map(function (i) { return ADV[i].id; }).join(", "));
  }
  function observedDetail(r) {
    var o = r.seen, box = el("div", { "class": "observed" });
    if (!o) { box.appendChild(el("p", { "class": "muted" }, "No inventory: what it really has is unknown.")); return box; }
    box.appendChild(el("p", null, "As installed (", el("span", { "class": "mono" }, o.file), ", ", o.source,
      o.collected ? ", collected " + o.collected : "", o.age !== null ? ", " + o.age + " days ago" : "", "): ",
      el("strong", { "class": "state state-" + r.state }, r.state),
      o.running ? el("span", null, "; running kernel ", el("span", { "class": "mono" }, o.running)) : null,
      o.reboot ? el("strong", { "class": "reboot" }, " \u2014 reboot needed") : null,
      o.epochs ? null : el("span", { "class": "muted" }, " (no epochs in this inventory: versions matched on version-release)")));
    if (!o.diff.length) box.appendChild(el("p", null, "Every package as its list says."));
    var ul = el("ul", { "class": "drift" });
    o.diff.forEach(function (kind) {
      ul.appendChild(el("li", { "data-kind": kind[0] }, el("strong", null, kind[0] + " (" + kind[1].length + "): "),
        el("span", { "class": "mono" }, kind[1].join("; "))));
    });
    if (o.diff.length) box.appendChild(ul);
    var a = advList("Lacks as installed: ", o.applicable), b = advList("Of these, its list fixes (installable): ", o.installable);
    if (a) box.appendChild(a);
    if (b) box.appendChild(b);
    return box;
  }

  function nodeDetail(r) {
    var box = el("div", { "class": "detail-box" });
    if (r.error) { box.appendChild(el("p", null, "Could not be evaluated: ", el("span", { "class": "mono" }, r.error))); return box; }
    box.appendChild(el("p", null, "Kernel ", el("span", { "class": "mono" }, r.kernel || "none"),
      r.running ? el("span", null, ", running ", el("span", { "class": "mono" }, r.running)) : ", running kernel not recorded",
      r.reboot ? el("strong", { "class": "reboot" }, " \u2014 reboot needed") : null));
    if (observing) box.appendChild(observedDetail(r));
    if (!r.set.total) { box.appendChild(el("p", null, r.worst === "unknown" ? "The newest profile of its OS records no advisories." : "Lacks no update of the newest profile.")); return box; }
    if (observing) box.appendChild(el("p", null, el("strong", null, "Its list lacks:")));
    var ul = el("ul");
    r.set.lacks.forEach(function (li) {
      var lack = D.lacks[li], a = ADV[lack[0]];
      ul.appendChild(el("li", null, badge(a.level), " ", el("strong", null, a.id), " ", a.type,
        a.issued ? ", issued " + a.issued : "", a.cves.length ? " \u2014 " + a.cves.join(" ") : "",
        el("div", { "class": "mono muted" }, lack.slice(1).join("; "))));
    });
    box.appendChild(ul);
    return box;
  }

  var nodeFilter = $("node-filter"), nodeWorst = $("node-worst"), nodeExposed = $("node-exposed"), nodeReboot = $("node-reboot");
  var nodeState = $("node-state");
  var nodes = new Table({
    table: nodeTable, pager: $("node-pager"), columns: nodeCols, detail: nodeDetail,
    rows: NODES.slice().sort(function (a, b) { return worstKey(a) - worstKey(b) || a.i - b.i; }),
    keep: function (r) {
      var q = nodeFilter.value.trim().toLowerCase(), w = nodeWorst.value;
      if (w && r.worst !== w) return false;
      if (nodeState && nodeState.value && r.state !== nodeState.value) return false;
      if (nodeExposed.checked && !r.set.total) return false;
      if (nodeReboot.checked && r.reboot !== true) return false;
      return !q || r.text.indexOf(q) >= 0 || r.set.text.indexOf(q) >= 0;
    }
  });
  [nodeFilter, nodeWorst, nodeExposed, nodeReboot, nodeState].filter(Boolean).forEach(function (c) {
    c.addEventListener(c.type === "search" ? "input" : "change", function () { nodes.page = 0; nodes.filter(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#chart-worst .bar"), function (g) {
    g.addEventListener("click", function () {
      nodeWorst.value = g.getAttribute("data-key");
      nodeFilter.value = "";
      nodes.page = 0;
      nodes.filter();
      $("nodes").scrollIntoView();
    });
  });

  // --- advisories ------------------------------------------------------------------------
  var lackingNodes = null;  // advisory index -> machine names, built on first use
  function machinesLacking(i) {
    if (!lackingNodes) {  // machines in name order (as the data lists them): each list comes out sorted
      lackingNodes = ADV.map(function () { return []; });
      NODES.forEach(function (n) {
        var lacks = n.set.lacks;
        for (var k = 0; k < lacks.length; k++) lackingNodes[D.lacks[lacks[k]][0]].push(n.name);
      });
    }
    return lackingNodes[i];
  }
  function advDetail(a) {
    var names = machinesLacking(a.i), box = el("div");
    box.appendChild(el("p", null, "Packages: ", el("span", { "class": "mono" }, a.packages.join(", ")), " (", a.os.join(", "), ")"));
    if (!names.length) { box.appendChild(el("p", null, "No machine lacks it.")); return box; }
    var show = el("button", { type: "button" }, "Show these " + num(names.length) + " machines in the machine table");
    show.addEventListener("click", function () {
      nodeFilter.value = a.id; nodeWorst.value = ""; nodeExposed.checked = false; nodeReboot.checked = false;
      nodes.page = 0; nodes.filter(); $("nodes").scrollIntoView();
    });
    var limit = 300;
    box.appendChild(el("p", null, "Lacked by: ", el("span", { "class": "mono lacking-list" }, names.slice(0, limit).join(", ")),
      names.length > limit ? " \u2026 and " + num(names.length - limit) + " more " : " ", show));
    return box;
  }
  var advFilter = $("adv-filter"), advLacked = $("adv-lacked");
  function advKey(a) { return RANK[a.level] * 1e7 - a.lacking; }
  var advs = new Table({
    table: $("adv-table"), pager: $("adv-pager"), detail: advDetail,
    rows: ADV.slice().sort(function (a, b) { return advKey(a) - advKey(b) || a.i - b.i; }),
    columns: [
      { key: "id", label: "Update", value: function (a) { return a.id; } },
      { key: "severity", label: "Severity", value: function (a) { return RANK[a.level]; }, cell: function (a) { return badge(a.level); } },
      { key: "type", label: "Kind", value: function (a) { return a.type; } },
      { key: "issued", label: "Issued", value: function (a) { return a.issued; } },
      { key: "cves", label: "CVEs", value: function (a) { return a.cves.join(" "); } },
      { key: "packages", label: "Packages", value: function (a) { return a.packages.length; },
        cell: function (a) {
          var names = {};
          a.packages.forEach(function (p) { names[p.replace(/-[^-]+-[^-]+$/, "")] = 1; });
          return el("span", { title: a.packages.join("\n") }, Object.keys(names).join(", "));
        } },
      { key: "lacking", label: "Machines lacking it", num: true, value: function (a) { return a.lacking; } },
      { key: "have", label: "Machines that have it", num: true, value: function (a) { return a.have; } }
    ],
    keep: function (a) {
      var q = advFilter.value.trim().toLowerCase();
      if (advLacked.checked && !a.lacking) return false;
      return !q || a.text.indexOf(q) >= 0;
    }
  });
  advFilter.addEventListener("input", function () { advs.page = 0; advs.filter(); });
  advLacked.addEventListener("change", function () { advs.page = 0; advs.filter(); });

  nodes.filter();
  advs.filter();
  // for tests and scripts: the tables are drawn, and how long that took
  document.body.setAttribute("data-script-ms", String(Math.round(performance.now() - started)));
  document.body.setAttribute("data-ready", "1");
})();
