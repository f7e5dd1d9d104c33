// The live training panel (anywidget ESM): counters and buttons, the frame image, the graph
// of one sample and the parameter table. Python owns the state; buttons send commands.
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "al-live";
  root.innerHTML = `
    <div class="al-head">
      <button class="al-pause" title="pause before the next batch">pause</button>
      <button class="al-step" title="train one batch, then stay paused">step one batch</button>
      <button class="al-stop" title="stop: the model and History keep what was learned">stop</button>
      <span class="al-status"></span>
      <span class="al-epoch"></span>
      <span class="al-summary"></span>
    </div>
    <img class="al-plot" alt="loss curves and decision boundary">
    <div class="al-table"></div>
    <div class="al-caption">graph of one sample (click: whole graph / 100%)</div>
    <div class="al-graph" title="click: whole graph / 100%"></div>`;
  el.appendChild(root);
  const $ = (sel) => root.querySelector(sel);
  const pause = $(".al-pause"), step = $(".al-step"), stop = $(".al-stop");
  const ended = (s) => s === "done" || s === "stopped" || s.startsWith("failed");
  const counters = () => {
    const status = model.get("status");
    const paused = status === "paused";
    $(".al-status").textContent = status;
    $(".al-status").className = "al-status " + status.split(":")[0];
    $(".al-epoch").textContent = `epoch ${model.get("epoch")} / ${model.get("epochs")}`;
    $(".al-summary").textContent = model.get("summary");
    pause.textContent = paused ? "resume" : "pause";
    pause.disabled = stop.disabled = ended(status);
    step.disabled = !paused;
  };
  const frame = () => {
    const src = model.get("plot");
    if (src) $(".al-plot").src = src;
    const graph = $(".al-graph");
    const first = !graph.firstChild;
    const [left, top] = [graph.scrollLeft, graph.scrollTop];
    graph.innerHTML = model.get("graph");
    $(".al-caption").style.display = graph.firstChild ? "" : "none";
    // keep where the reader scrolled to; the first time, centre the loss (the graph's root)
    const loss = first && graph.querySelector(".root");
    if (loss) {
      const [g, r] = [graph.getBoundingClientRect(), loss.getBoundingClientRect()];
      graph.scrollLeft = r.left - g.left - g.width / 2 + r.width / 2;
      graph.scrollTop = r.top - g.top - g.height / 2 + r.height / 2;
    } else {
      [graph.scrollLeft, graph.scrollTop] = [left, top];
    }
    $(".al-table").innerHTML = model.get("table");
    root.dataset.frames = String(model.get("frames"));
  };
  pause.addEventListener("click", () => {
    model.send({ command: model.get("status") === "paused" ? "resume" : "pause" });
  });
  step.addEventListener("click", () => model.send({ command: "step" }));
  stop.addEventListener("click", () => model.send({ command: "stop" }));
  $(".al-graph").addEventListener("click", () => $(".al-graph").classList.toggle("al-fit"));
  for (const name of ["epoch", "epochs", "status", "summary", "step"]) {
    model.on(`change:${name}`, counters);
  }
  for (const name of ["plot", "graph", "table", "frames"]) model.on(`change:${name}`, frame);
  counters();
  frame();
}
export default { render };
