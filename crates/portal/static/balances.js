// Draws the enterprise page's balance charts with chart.js from the figures the server put in
// data-chart: the newest verdict's balance per material, and each material's unexplained
// quantity verdict by verdict. The table beside the charts holds the same figures.
(function () {
  const holder = document.querySelector("#balances .charts");
  if (!holder || typeof Chart === "undefined") return;
  const data = JSON.parse(holder.dataset.chart);
  const [imported, consumed, closing, unexplained, block] = holder.dataset.labels.split("|");
  const colours = ["#0b4f6c", "#20a39e", "#8a9aa8", "#a4161a", "#f0a202", "#6a4c93"];
  const options = { responsive: true, maintainAspectRatio: false, animation: false };
  new Chart(document.getElementById("balance-chart"), {
    type: "bar",
    data: {
      labels: data.materials,
      datasets: [[imported, data.imported], [consumed, data.consumed], [closing, data.closing],
        [unexplained, data.unexplained]].map(([label, values], index) =>
        ({ label, data: values, backgroundColor: colours[index] })),
    },
    options,
  });
  new Chart(document.getElementById("history-chart"), {
    type: "line",
    data: {
      labels: data.verdicts.map((height) => `${block} ${height}`),
      datasets: data.history.map((series, index) =>
        ({ ...series, borderColor: colours[index % colours.length], spanGaps: true })),
    },
    options,
  });
  holder.dataset.drawn = "yes";
})();
