// Mounts the items of a long list a few at a time, one batch per task, each after the one before it is on
// the page, so no single task renders a whole page of cards; until then an empty slot holds an item's place.
import { useEffect, useState } from "react";

const BATCH = 4;
const waiting = [];
let scheduled = false;

function pump() {
  scheduled = false;
  const batch = waiting.splice(0, document.hidden ? waiting.length : BATCH);
  batch.forEach((show) => show());
}

function schedule() {
  if (scheduled || waiting.length === 0) return;
  scheduled = true;
  setTimeout(pump, 0);
}

export default function Later({ children, index = 0, first = BATCH, className = "later-slot" }) {
  const [shown, setShown] = useState(index < first);
  useEffect(() => {
    if (shown) {
      schedule();
      return undefined;
    }
    const show = () => setShown(true);
    waiting.push(show);
    schedule();
    return () => {
      const at = waiting.indexOf(show);
      if (at >= 0) waiting.splice(at, 1);
    };
  }, [shown]);
  return shown ? children : <div className={className} aria-hidden="true" />;
}
