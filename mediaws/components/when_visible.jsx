// Mounts its children once a fifth of its box is in the upper four fifths of the screen, so work below the
// fold, or just peeking above it, waits for a scroll; until then the box is a grey stand-in as tall as its
// parent's reserved height. (A chart at the bottom edge of a phone's first screen would otherwise load and
// draw Plotly, a second of a phone's main thread, while the page is starting.)
import { useEffect, useRef, useState } from "react";

export default function WhenVisible({ children, ...props }) {
  const box = useRef(null);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (shown || !box.current) return undefined;
    if (typeof IntersectionObserver === "undefined") {
      setShown(true);
      return undefined;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setShown(true);
      },
      { threshold: 0.2, rootMargin: "0px 0px -20% 0px" },
    );
    observer.observe(box.current);
    return () => observer.disconnect();
  }, [shown]);
  if (shown) return <div {...props}>{children}</div>;
  return <div ref={box} className="skeleton" style={{ minHeight: "inherit" }} aria-hidden="true" />;
}
