// Mounts its children only while they can be seen: when a media query matches (a wide screen) or the
// page has opened them (a phone's folded filters), so a phone does not render what its CSS hides.
import { useEffect, useState } from "react";

function matches(query) {
  return typeof window === "undefined" || window.matchMedia(query).matches;
}

export default function ShownAt({ children, query, open = false }) {
  const [wide, setWide] = useState(() => matches(query));
  useEffect(() => {
    const list = window.matchMedia(query);
    const changed = () => setWide(list.matches);
    changed();
    list.addEventListener("change", changed);
    return () => list.removeEventListener("change", changed);
  }, [query]);
  return wide || open ? children : null;
}
