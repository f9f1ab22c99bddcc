import { RunPage } from "./pages/run-page.tsx";
import { RunsPage } from "./pages/runs-page.tsx";
import { Link, usePath } from "./router.tsx";

export function App() {
  const path = usePath();
  const runId = /^\/runs\/([^/]+)\/?$/.exec(path)?.[1];
  return (
    <>
      <header className="site-header">
        <Link href="/" className="brand">
          Flowgate
        </Link>
      </header>
      {path === "/" ? <RunsPage /> : runId ? <RunPage runId={decodeURIComponent(runId)} /> : <NotFound />}
    </>
  );
}

function NotFound() {
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        <Link href="/">See all flow runs</Link>
      </p>
    </main>
  );
}
