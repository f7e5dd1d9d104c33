/* The anywidget half of autograd_lite.viz.widget.StepperWidget. Python prepends player.js
   (which defines mountPlayer) to this file to make the widget's ES module, so the widget and
   the static page run the same player code.

   The model's `position` is the number of steps shown. A step, back, reset, play or arrow key
   in the page sets it (Python's observer then moves the stepper); a change from Python
   (stepper.step(), stepper.position = k) moves the player without echoing back. */

function render({ model, el }) {
  /* A notebook output has no height of its own: .agl-widget gives it the player's height
     (widget.py's PLAYER_HEIGHT, the static fallback's too). */
  el.classList.add("agl-widget");
  const player = mountPlayer(el, model.get("data"), {
    position: model.get("position"),
    onPosition: (k) => {
      if (model.get("position") === k) return;
      model.set("position", k);
      model.save_changes();
    },
  });
  const follow = () => {
    if (player.position() !== model.get("position")) player.setPosition(model.get("position"));
  };
  model.on("change:position", follow);
  return () => {
    model.off("change:position", follow);
    player.destroy();
  };
}

export default { render };
