/* The analytics dashboard's charts (ECharts), drawn from the page's JSON data block. */
(function () {
  "use strict";
  if (!window.echarts) return; // the file failed to load: the tables still show every figure
  var data = JSON.parse(document.getElementById("analytics-chart-data").textContent);
  var charts = [];

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node);
    chart.setOption(option);
    charts.push(chart);
  }

  var grid = { left: 8, right: 8, top: 40, bottom: 8, containLabel: true };
  draw("chart-daily", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["UV", "PV", "成交额(元)"] },
    grid: grid,
    xAxis: { type: "category", data: data.days },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", name: "元" }],
    series: [
      { name: "UV", type: "line", data: data.uv, smooth: true },
      { name: "PV", type: "line", data: data.pv, smooth: true },
      { name: "成交额(元)", type: "bar", yAxisIndex: 1, data: data.gmv_yuan, itemStyle: { color: "#07c160" } }
    ]
  });
  draw("chart-channels", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["UV", "UV→下单 %", "UV→支付 %"] },
    grid: grid,
    xAxis: { type: "category", data: data.channels },
    yAxis: [{ type: "value", name: "访客", minInterval: 1 }, { type: "value", name: "%", max: 100 }],
    series: [
      { name: "UV", type: "bar", data: data.channel_uv },
      { name: "UV→下单 %", type: "line", yAxisIndex: 1, data: data.conv_order },
      { name: "UV→支付 %", type: "line", yAxisIndex: 1, data: data.conv_pay }
    ]
  });
  draw("chart-share", {
    tooltip: { trigger: "item", formatter: "{b}: ¥{c} ({d}%)" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.gmv_share }]
  });
  draw("chart-funnel", {
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", label: { position: "inside" }, data: data.funnel }]
  });
  draw("chart-articles", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["阅读人数", "跳转访客", "支付访客"] },
    grid: grid,
    xAxis: { type: "category", data: data.article_titles, axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "阅读人数", type: "bar", data: data.article_readers },
      { name: "跳转访客", type: "bar", data: data.article_clickers },
      { name: "支付访客", type: "bar", data: data.article_paying, itemStyle: { color: "#07c160" } }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
