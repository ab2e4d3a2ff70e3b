/* The 党委 dashboard's charts (ECharts, served locally). Data come from json_script blocks named
 * by data-source; every point carries the URL of its drill-down, opened on click. */
(function () {
  "use strict";
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : [];
  }
  function open(params) {
    if (params && params.data && params.data.url) { window.location.href = params.data.url; }
  }
  function draw(el) {
    if (typeof echarts === "undefined") { return; }
    var kind = el.dataset.chart;
    var rows = read(el.dataset.source);
    var chart = echarts.init(el);
    var option;
    if (kind === "pie") {
      option = {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"],
          data: rows.filter(function (r) { return r.n > 0; })
            .map(function (r) { return { name: r.label, value: r.n, url: r.url }; }) }]
      };
    } else if (kind === "compliance") {
      option = {
        tooltip: { trigger: "axis" }, legend: { bottom: 0 },
        grid: { left: 90, right: 10, top: 10, bottom: 40 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
        series: [
          { name: "✓", type: "bar", stack: "a", color: "#2e7d32",
            data: rows.map(function (r) { return { value: r.done, url: r.done_url }; }) },
          { name: "✗", type: "bar", stack: "a", color: "#b71c1c",
            data: rows.map(function (r) { return { value: r.missed, url: r.url }; }) }
        ]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" }, grid: { left: 40, right: 10, top: 10, bottom: 60 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", color: "#b71c1c",
          data: rows.map(function (r) { return { value: r.n, url: r.url }; }) }]
      };
    }
    chart.setOption(option);
    chart.on("click", open);
    chart.on("finished", function () { el.dataset.ready = "1"; });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
