// Dashboards and the data wall: ECharts drawn from the JSON the page carries (json_script),
// and on the wall refreshed from the API every 30 seconds. No inline scripts (CSP).
(function () {
  "use strict";

  var LABELS = {};  // translated words, from the page's data

  function num(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  function short(n) {
    return (Math.round(n * 100) / 100).toFixed(2).replace(/\.?0+$/, "");
  }

  // The same as the Python filter `figure`: 万 from 10,000, 亿 from 100,000,000.
  function formatFigure(value, unit) {
    var n = num(value);
    if (n === null) { return "—"; }
    if (unit === "%") { return n.toFixed(1) + "%"; }
    var size = Math.abs(n), text;
    if (size >= 1e8 || Math.round(size / 1e4 * 100) / 100 >= 1e4) {
      text = short(n / 1e8) + (LABELS.hundredMillion || "亿");
    } else if (size >= 1e4) {
      text = short(n / 1e4) + (LABELS.tenThousand || "万");
    } else if (Number.isInteger(n)) {
      text = n.toLocaleString("en-US");
    } else {
      text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    return text + (unit || "");
  }

  // The same as the template tag `change`: percentage points for rates.
  function changeNode(now, then, isRate) {
    var span = document.createElement("span");
    now = num(now); then = num(then);
    if (now === null || then === null) {
      span.className = "change none"; span.textContent = "—"; return span;
    }
    var delta = now - then, text;
    if (isRate) {
      text = (LABELS.points || "%(n)s").replace("%(n)s", Math.abs(delta).toFixed(1));
    } else {
      text = then === 0 ? LABELS.new : Math.abs(delta / then * 100).toFixed(1) + "%";
    }
    if (delta > 0) { span.className = "change up"; span.textContent = "↑ " + text; }
    else if (delta < 0) { span.className = "change down"; span.textContent = "↓ " + text; }
    else { span.className = "change flat"; span.textContent = LABELS.flat; }
    return span;
  }

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function chart(el, theme) {
    return window.echarts.getInstanceByDom(el) || window.echarts.init(el, theme || null, { locale: "ZH" });
  }

  function monthLabels(months) {
    return months.map(function (m) { return m.slice(2); });  // 2026-11 → 26-11
  }

  function lineOption(series, dark) {
    var list = Array.isArray(series) ? series : [series];
    return {
      backgroundColor: "transparent",
      grid: { left: 56, right: 16, top: list.length > 1 ? 36 : 16, bottom: 28 },
      tooltip: { trigger: "axis" },
      legend: list.length > 1 ? { top: 0, textStyle: { color: dark ? "#cfe0ff" : "#1f2733" } } : undefined,
      xAxis: { type: "category", boundaryGap: false, data: monthLabels(list[0].months) },
      yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return formatFigure(v, ""); } } },
      series: list.map(function (s) {
        return { name: s.name, type: "line", smooth: true, symbolSize: 6,
                 areaStyle: list.length > 1 ? undefined : { opacity: 0.15 }, data: s.values };
      })
    };
  }

  function barOption(items, unit, dark, limit) {
    var sorted = items.slice();
    if (limit) {
      sorted.sort(function (a, b) { return (num(b.value) || 0) - (num(a.value) || 0); });
      sorted = sorted.slice(0, limit);
    }
    return {
      backgroundColor: "transparent",
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 valueFormatter: function (v) { return formatFigure(v, unit); } },
      xAxis: { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return formatFigure(v, ""); } } },
      yAxis: { type: "category", inverse: true, data: sorted.map(function (i) { return i.name; }),
               axisLabel: { color: dark ? "#cfe0ff" : "#1f2733" } },
      series: [{ type: "bar", barMaxWidth: 22,
                 itemStyle: { color: dark ? "#2fb8ff" : "#1f5fbf", borderRadius: [0, 3, 3, 0] },
                 label: { show: true, position: "right", color: dark ? "#dbe6ff" : "#1f2733",
                          formatter: function (p) { return formatFigure(p.value, ""); } },
                 data: sorted.map(function (i) { return num(i.value); }) }]
    };
  }

  var drawn = [];

  function draw(el, option, theme) {
    var instance = chart(el, theme);
    instance.setOption(option, true);
    if (drawn.indexOf(instance) < 0) { drawn.push(instance); }
    return instance;
  }

  // --- the dashboard page -----------------------------------------------------------------

  function dashboard(data) {
    LABELS = data.labels || {};
    document.querySelectorAll("[data-chart='trend']").forEach(function (el) {
      draw(el, lineOption(data.trends[Number(el.dataset.index)], false));
    });
    var categories = document.querySelector("[data-chart='categories']");
    if (categories) { draw(categories, barOption(data.categories, "", false, 0)); }
    window.addEventListener("resize", function () {
      drawn.forEach(function (c) { c.resize(); });
    });
  }

  // The period picker submits when a period is chosen; its button serves without scripts.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.requestSubmit(); }
  });

  // --- the data wall ----------------------------------------------------------------------

  var STAGE_W = 1920, STAGE_H = 1080;

  function fit(stage) {
    var scale = Math.min(window.innerWidth / STAGE_W, window.innerHeight / STAGE_H);
    var x = (window.innerWidth - STAGE_W * scale) / 2, y = (window.innerHeight - STAGE_H * scale) / 2;
    stage.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
  }

  function wall(data) {
    LABELS = data.labels || {};
    var stage = document.getElementById("wall");
    fit(stage);
    window.addEventListener("resize", function () { fit(stage); });

    var mapName = "wushe-" + data.region.code, mapReady = false;
    var el = function (name) { return document.querySelector("[data-wall='" + name + "']"); };

    function drawTrends(trends) {
      var served = trends.filter(function (t) { return t.code === "served_person_times"; });
      var others = trends.filter(function (t) { return t.code !== "served_person_times"; });
      if (served.length) { draw(el("served"), lineOption(served[0], true), "dark"); }
      if (others.length) { draw(el("services"), lineOption(others, true), "dark"); }
    }

    function drawRanking(ranking) {
      if (el("ranking")) { draw(el("ranking"), barOption(ranking.items, ranking.unit, true, 15), "dark"); }
      if (el("map") && mapReady) {
        var values = ranking.items.map(function (i) { return num(i.value) || 0; });
        draw(el("map"), {
          backgroundColor: "transparent",
          tooltip: { trigger: "item", formatter: function (p) {
            return p.name + "：" + formatFigure(p.value, ranking.unit); } },
          visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
                       left: 16, bottom: 16, textStyle: { color: "#cfe0ff" },
                       inRange: { color: ["#123064", "#1f6fd1", "#2fb8ff", "#4fe3ff"] } },
          series: [{ type: "map", map: mapName, roam: false, label: { show: true, color: "#fff" },
                     itemStyle: { borderColor: "#4fe3ff", areaColor: "#0d2350" },
                     data: ranking.items.map(function (i) { return { name: i.name, value: num(i.value) }; }) }]
        }, "dark");
      }
    }

    function drawTiles(figures) {
      figures.forEach(function (f) {
        var tile = document.querySelector(".wall-tile[data-indicator='" + f.indicator + "']");
        if (!tile) { return; }
        var unit = tile.dataset.unit;
        tile.dataset.value = f.value === null ? "" : String(f.value);
        tile.querySelector(".wall-tile-value").textContent = formatFigure(f.value, unit);
        var sub = tile.querySelector(".wall-tile-sub");
        sub.textContent = (LABELS.previous || "") + " ";
        sub.appendChild(changeNode(f.value, f.previous, unit === "%"));
        sub.appendChild(document.createTextNode(" · " + (LABELS.lastYear || "") + " "));
        sub.appendChild(changeNode(f.value, f.last_year, unit === "%"));
      });
    }

    function stamp() {
      var now = new Date(), pad = function (n) { return String(n).padStart(2, "0"); };
      var node = document.getElementById("wall-refreshed");
      node.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
      node.classList.remove("stale");
    }

    function getJSON(url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error(url + " → " + r.status); }
          return r.json();
        });
    }

    // One request after another: a wall left open all day asks little of the server.
    function getAll(urls) {
      var answers = [];
      return urls.reduce(function (chain, url) {
        return chain.then(function () {
          return getJSON(url).then(function (answer) { answers.push(answer); });
        });
      }, Promise.resolve()).then(function () { return answers; });
    }

    function refresh() {
      var q = "?period=" + encodeURIComponent(data.period);
      // The tiles and the ranking in one answer (/dashboard), then each trend.
      var urls = [
        data.api.dashboard + q + "&indicators=" + data.headline.join(",") +
          "&columns=" + data.ranking.indicator
      ].concat(data.trends.map(function (t) {
        return data.api.trend + q + "&indicator=" + t.code + "&months=" + data.trendMonths;
      }));
      return getAll(urls).then(function (answers) {
        drawTiles(answers[0].figures.figures);
        data.ranking.items = answers[0].breakdown.rows.map(function (row) {
          return { code: row.region_code, name: row.region_name, value: row.values[data.ranking.indicator] };
        });
        drawRanking(data.ranking);
        data.trends = answers.slice(1).map(function (answer, n) {
          var t = data.trends[n];
          return { code: t.code, name: t.name, unit: t.unit,
                   months: answer.points.map(function (p) { return p.month.slice(0, 7); }),
                   values: answer.points.map(function (p) { return num(p.value); }) };
        });
        drawTrends(data.trends);
        stamp();
      }).catch(function (error) {
        // Keep the last figures on the wall and show they are stale; try again next time.
        document.getElementById("wall-refreshed").classList.add("stale");
        console.warn("wall refresh failed", error);
      });
    }

    drawTrends(data.trends);
    drawRanking(data.ranking);
    if (el("categories")) { draw(el("categories"), barOption(data.categories, "", true, 0), "dark"); }
    if (data.mapUrl) {
      getJSON(data.mapUrl).then(function (geo) {
        window.echarts.registerMap(mapName, geo);
        mapReady = true;
        drawRanking(data.ranking);
      }).catch(function (error) { console.warn("map not loaded", error); });
    }
    window.wusheWall = { refresh: refresh };
    window.setInterval(refresh, data.refreshSeconds * 1000);

    var button = document.querySelector("[data-fullscreen]");
    if (button) {
      button.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen().catch(function () {});
        }
      });
      document.addEventListener("fullscreenchange", function () {
        button.textContent = document.fullscreenElement ? button.dataset.exit : button.dataset.enter;
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    var board = readJSON("stats-data");
    if (board) { dashboard(board); }
    var data = readJSON("wall-data");
    if (data) { wall(data); }
  });
})();
