/* Statistics pages: ECharts charts fed by <script type="application/json"> blocks (Django's
 * json_script: data, never executed, allowed by the Content-Security-Policy).
 *
 *   <div class="tx-chart" data-chart="trend|ranking|heat" data-source="<id of the JSON block>">
 *
 * Every point, bar and cell carries the URL of the petitions behind it: a click opens that list.
 * Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry style=""
 * attributes, which style-src 'self' refuses.
 */
(function () {
  "use strict";

  var RED = "#b71c1c", BLUE = "#1565c0", GREEN = "#2e7d32", GREY = "#b0bec5";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function go(url) {
    if (url) {
      window.location.href = url;
    }
  }

  function targetLine(value) {
    if (value === null || value === undefined) {
      return undefined;
    }
    return {
      silent: true, symbol: "none",
      lineStyle: { type: "dashed" },
      label: { formatter: "目标 " + value + "%", position: "insideEndTop" },
      data: [{ yAxis: value }]
    };
  }

  var builders = {
    trend: function (d) {
      var colours = [RED, BLUE, GREEN];
      var series = d.rates.map(function (s, i) {
        return {
          name: s.name, type: "line", yAxisIndex: 0, smooth: false, connectNulls: false,
          symbol: "circle", symbolSize: 8, showSymbol: true, showAllSymbol: true, data: s.data, itemStyle: { color: colours[i % colours.length] },
          markLine: targetLine(s.target)
        };
      });
      series.push({
        name: d.received.name, type: "bar", yAxisIndex: 1, data: d.received.data,
        itemStyle: { color: GREY }, barMaxWidth: 24, z: 1
      });
      return {
        tooltip: { trigger: "axis", renderMode: "richText", confine: true },
        legend: { top: 0, type: "scroll" },
        grid: { left: 44, right: 44, top: 40, bottom: 28, containLabel: false },
        xAxis: { type: "category", data: d.months, axisLabel: { hideOverlap: true } },
        yAxis: [
          { type: "value", name: "%", min: 0, max: 100 },
          { type: "value", name: "件", minInterval: 1, splitLine: { show: false } }
        ],
        series: series
      };
    },
    ranking: function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true },
        grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, name: "%" },
        yAxis: { type: "category", data: d.units, axisLabel: { width: 96, overflow: "truncate" } },
        series: [{
          name: d.metric, type: "bar", data: d.data, itemStyle: { color: RED }, barMaxWidth: 18,
          label: { show: true, position: "right", formatter: "{c}%" },
          markLine: d.target === null || d.target === undefined ? undefined : {
            silent: true, symbol: "none", lineStyle: { type: "dashed", color: BLUE },
            label: { formatter: "目标 " + d.target + "%" }, data: [{ xAxis: d.target }]
          }
        }]
      };
    },
    heat: function (d) {
      return {
        tooltip: { position: "top", renderMode: "richText", confine: true },
        grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
        xAxis: { type: "category", data: d.categories, splitArea: { show: true }, axisLabel: { rotate: 40, interval: 0 } },
        yAxis: { type: "category", data: d.units, splitArea: { show: true }, axisLabel: { width: 96, overflow: "truncate" } },
        visualMap: {
          min: 0, max: Math.max(d.max, 1), calculable: false, orient: "horizontal", left: "center", bottom: 0,
          itemHeight: 120, inRange: { color: ["#fff5f5", "#ef9a9a", RED] }
        },
        series: [{ name: "件数", type: "heatmap", data: d.data, label: { show: true } }]
      };
    }
  };

  function linkOf(kind, d, params) {
    if (kind === "trend") {
      if (params.seriesIndex < d.rates.length) {
        return d.rates[params.seriesIndex].links[params.dataIndex];
      }
      return d.received.links[params.dataIndex];
    }
    if (kind === "heat") {
      return d.links[params.dataIndex];
    }
    return d.links[params.dataIndex];
  }

  var charts = [];
  function draw(el, kind, d) {
    if (kind === "ranking") {  // one bar per unit: the chart grows with them
      el.style.height = Math.max(240, 26 * d.units.length + 60) + "px";
    }
    if (kind === "heat") {
      el.style.height = Math.max(300, 30 * d.units.length + 140) + "px";
    }
    el.textContent = "";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    // data-ready marks a chart fully drawn (after its entry animation), for tests and screenshots.
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption(builders[kind](d));
    chart.on("click", function (params) { go(linkOf(kind, d, params)); });
    charts.push(chart);
  }

  function init() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.dataset.chart;
      if (!builders[kind]) {
        return;
      }
      if (el.dataset.url) {  // counted apart (a year of data): fetched after the page shows
        fetch(el.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (d) { draw(el, kind, d); })
          .catch(function () { el.textContent = "趋势数据暂时无法加载，请刷新重试。"; });
        return;
      }
      var d = read(el.dataset.source);
      if (d) {
        draw(el, kind, d);
      }
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
