/* Carbon dashboard: ECharts fed by the JSON block "carbon-data" (json_script, never executed).
 * Every bar leads to the drill-down page (results → formula, factors, activity rows, evidence).
 * Tooltips are drawn on the canvas (renderMode "richText"): HTML tooltips carry style="" that the
 * Content-Security-Policy refuses. */
(function () {
  "use strict";
  var el = document.getElementById("carbon-data");
  if (!el || typeof echarts === "undefined") { return; }
  var d = JSON.parse(el.textContent);
  var params = new URLSearchParams(window.location.search);
  var unit = params.get("unit") || "";

  function drill(extra) {
    var q = new URLSearchParams({ year: String(d.year) });
    if (unit) { q.set("unit", unit); }
    Object.keys(extra).forEach(function (k) { q.set(k, String(extra[k])); });
    window.location.href = d.drill + "?" + q.toString();
  }
  var tip = { trigger: "item", renderMode: "richText", confine: true };
  var grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
  var builders = {
    by_code: function () {
      return { option: { tooltip: tip, grid: grid,
        xAxis: { type: "value" }, yAxis: { type: "category", data: d.by_code.map(function (x) { return x.name; }) },
        series: [{ type: "bar", data: d.by_code.map(function (x) { return x.value; }), itemStyle: { color: "#2e7d32" } }] },
        click: function (p) { drill({ code: d.by_code[p.dataIndex].code }); } };
    },
    by_facility: function () {
      return { option: { tooltip: tip, grid: grid,
        xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, axisLabel: { width: 90, overflow: "truncate" },
          data: d.by_facility.map(function (x) { return x.name; }) },
        series: [{ type: "bar", data: d.by_facility.map(function (x) { return x.value; }), itemStyle: { color: "#1565c0" } }] },
        click: function (p) { drill({ facility: d.by_facility[p.dataIndex].id }); } };
    },
    by_month: function () {
      return { option: { tooltip: tip, grid: grid, xAxis: { type: "category", data: d.months }, yAxis: { type: "value" },
        series: [{ type: "bar", data: d.by_month, itemStyle: { color: "#6d4c41" } }] },
        click: function (p) { drill({ month: p.dataIndex + 1 }); } };
    },
    trajectory: function () {
      var t = d.trajectory;
      return { option: { tooltip: { trigger: "axis", renderMode: "richText", confine: true }, legend: { top: 0 }, grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: t.years }, yAxis: { type: "value" },
        series: [{ name: t.name, type: "line", data: t.actual, connectNulls: false },
                 { name: "2030", type: "line", data: t.path, lineStyle: { type: "dashed" }, connectNulls: true },
                 { name: "目标", type: "scatter", data: t.targets }] } };
    },
    sankey: function () {
      return { option: { tooltip: tip, series: [{ type: "sankey", left: 8, right: 90, data: d.sankey.nodes, links: d.sankey.links,
        emphasis: { focus: "adjacency" }, label: { fontSize: 11 } }] },
        click: function () { drill({ code: "ghg.ch4_underground" }); } };
    },
    ccus: function () {
      var c = d.ccus, links = [];
      ["utilized", "stored", "released", "in_stock"].forEach(function (k) {
        if (c[k] > 0) { links.push({ source: "捕集", target: { utilized: "利用（产品）", stored: "封存", released: "释放", in_stock: "库存" }[k], value: c[k] }); }
      });
      var names = {}; links.forEach(function (l) { names[l.source] = 1; names[l.target] = 1; });
      return { option: { tooltip: tip, series: [{ type: "sankey", left: 8, right: 90,
        data: Object.keys(names).map(function (n) { return { name: n }; }), links: links }] },
        click: function () { drill({ code: "ccus" }); } };
    }
  };
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var b = builders[node.getAttribute("data-chart")];
    if (!b) { return; }
    var spec = b();
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(spec.option);
    if (spec.click) { chart.on("click", spec.click); }
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
