// Mounts its children once its box comes near the screen, so work far below the fold waits for a scroll.
import { useEffect, useRef, useState } from "react";

export default function WhenVisible({ children, margin = "200px", ...props }) {
  const box = useRef(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    if (near || !box.current) return undefined;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return undefined;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setNear(true);
      },
      { rootMargin: margin },
    );
    observer.observe(box.current);
    return () => observer.disconnect();
  }, [near, margin]);
  return (
    <div ref={box} data-near={near ? "1" : "0"} {...props}>
      {near ? children : null}
    </div>
  );
}
