/** Paths are the app's state: /runs/<id> must open directly from a link in a message. */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

const NAVIGATE = "flowgate:navigate";

/** Goes to `path` in place; `replace` leaves no history entry for the page left (the sign-in page). */
export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** The path, re-rendering on every navigation (the query too: it holds the runs list's filter). */
export function usePath(): string {
  const [location, setLocation] = useState(currentLocation());
  useEffect(() => {
    const update = (): void => setLocation(currentLocation());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return location.split("?")[0]!;
}

function currentLocation(): string {
  return window.location.pathname + window.location.search;
}

/** A real link (open in new tab, copy address) that navigates in place on a plain click. */
export function Link({ href, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={onClick} {...rest} />;
}
