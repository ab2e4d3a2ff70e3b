/* 宣传工作看板: ECharts fed by json_script blocks (data, never executed; CSP-safe).
 *   <div class="pub-chart" data-chart="stack|bars|line" data-source="<id of the JSON block>">
 * Each bar or point carries the URL of the records behind it: a click opens them (drill-down).
 * Tooltips drawn on the canvas (renderMode richText): HTML tooltips would need style="".
 */
(function () {
  "use strict";
  var COLOURS = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var builders = {
    stack: function (d) {
      return {
        color: COLOURS,
        tooltip: { trigger: "axis", renderMode: "richText", confine: true },
        legend: { top: 0, type: "scroll" },
        grid: { left: 36, right: 12, top: 36, bottom: 24 },
        xAxis: { type: "category", data: d.months, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: d.series.map(function (s) { return { name: s.name, type: "bar", stack: "all", data: s.data, barMaxWidth: 22 }; })
      };
    },
    bars: function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true },
        grid: { left: 8, right: 32, top: 8, bottom: 24, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: d.units, axisLabel: { width: 96, overflow: "truncate" } },
        series: [{ type: "bar", data: d.data, itemStyle: { color: COLOURS[1] }, barMaxWidth: 16, label: { show: true, position: "right" } }]
      };
    },
    line: function (d) {
      return {
        tooltip: { trigger: "axis", renderMode: "richText", confine: true },
        grid: { left: 44, right: 12, top: 16, bottom: 24 },
        xAxis: { type: "category", data: d.months, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", data: d.data, symbolSize: 8, itemStyle: { color: COLOURS[0] }, areaStyle: { opacity: 0.08 } }]
      };
    }
  };

  var charts = [];
  document.querySelectorAll(".pub-chart[data-chart]").forEach(function (el) {
    var kind = el.dataset.chart, d = read(el.dataset.source);
    if (!d || !builders[kind] || !window.echarts) {
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption(builders[kind](d));
    chart.on("click", function (params) {
      var url = d.links && d.links[params.dataIndex];
      if (url) {
        window.location.href = url;
      }
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
