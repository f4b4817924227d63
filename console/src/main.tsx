import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadSettings } from "./aws";
import { startEvents, useLiveMode } from "./live";
import { currentPath, href, useRoute } from "./router";
import { Lazy, lazyModule } from "./lazy";
import { SettingsPage } from "./pages/settings";
// uPlot's stylesheet is here, not beside the chart: a lazily loaded chunk's CSS would not be linked.
import "uplot/dist/uPlot.min.css";
import "./style.css";

const clusters = lazyModule(() => import("./pages/clusters"));
const service = lazyModule(() => import("./pages/service"));
const task = lazyModule(() => import("./pages/task"));
const ecr = lazyModule(() => import("./pages/ecr"));
const loadBalancers = lazyModule(() => import("./pages/load-balancers"));
const alarms = lazyModule(() => import("./pages/alarms"));
const events = lazyModule(() => import("./pages/events"));

type Theme = "light" | "dark";
const THEME_KEY = "berth.console.theme";

/** The chosen theme, else the system's (prefers-color-scheme). */
function useTheme(): [Theme, () => void] {
  const system = (): Theme => (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const [theme, setTheme] = useState<Theme>((localStorage.getItem(THEME_KEY) as Theme | null) ?? system());
  useEffect(() => void (document.documentElement.dataset.theme = theme), [theme]);
  return [theme, () => {
    const next = theme === "dark" ? "light" : "dark";
    localStorage.setItem(THEME_KEY, next);
    setTheme(next);
  }];
}

function Route({ path }: { path: string[] }) {
  const [a, b, c, d] = path;
  switch (a) {
    case undefined:
    case "clusters":
      if (!b) return <Lazy module={clusters} render={(m) => <m.ClustersPage />} />;
      if (c === "services" && d) return <Lazy module={service} render={(m) => <m.ServicePage key={`${b}/${d}`} cluster={b} service={d} />} />;
      if (c === "tasks" && d) return <Lazy module={task} render={(m) => <m.TaskPage key={`${b}/${d}`} cluster={b} task={d} />} />;
      return <Lazy module={clusters} render={(m) => <m.ClusterPage key={b} cluster={b} />} />;
    case "ecr":
      if (!b) return <Lazy module={ecr} render={(m) => <m.RepositoriesPage />} />;
      if (c) return <Lazy module={ecr} render={(m) => <m.ImagePage key={`${b}@${c}`} repo={b} digest={c} />} />;
      return <Lazy module={ecr} render={(m) => <m.RepositoryPage key={b} repo={b} />} />;
    case "load-balancers":
      return <Lazy module={loadBalancers} render={(m) => (b ? <m.LoadBalancerPage key={b} name={b} /> : <m.LoadBalancersPage />)} />;
    case "alarms":
      return <Lazy module={alarms} render={(m) => (b ? <m.AlarmPage key={b} name={b} /> : <m.AlarmsPage />)} />;
    case "events":
      return <Lazy module={events} render={(m) => (b && c ? <m.RulePage key={`${b}/${c}`} bus={b} name={c} /> : <m.RulesPage />)} />;
    case "schedules":
      return <Lazy module={events} render={(m) => <m.SchedulesPage />} />;
    case "settings":
      return <SettingsPage />;
    default:
      return <main id="main"><h1>Not found</h1><p>No page at {location.hash}. <a href={href("clusters")}>Clusters</a></p></main>;
  }
}

const NAV: Array<[string, string]> = [["clusters", "Clusters"], ["ecr", "Repositories"], ["load-balancers", "Load balancers"], ["alarms", "Alarms"], ["events", "Rules"], ["schedules", "Schedules"]];

function App() {
  const path = useRoute();
  const [theme, toggle] = useTheme();
  const live = useLiveMode();
  const settings = loadSettings();
  const section = path[0] ?? "clusters";
  useEffect(() => {
    const title = document.querySelector("main h1")?.textContent;
    document.title = title ? `${title} · Berth` : "Berth console";
  });
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header>
        <a class="brand" href={href("clusters")}>Berth</a>
        <nav aria-label="Sections">
          {NAV.map(([id, label]) => <a key={id} href={href(id)} aria-current={section === id ? "page" : undefined}>{label}</a>)}
        </nav>
        <div class="header-end">
          <span class={`live ${live}`} title={live === "live" ? "Updates as tasks change (server-sent events)" : "Refreshes the visible page every few seconds"}>{live === "live" ? "● live" : live === "polling" ? "○ polling" : "…"}</span>
          <a href={href("settings")} class="who" title="Credentials and region">{settings.accessKeyId} · {settings.region}</a>
          <button type="button" class="theme" onClick={toggle} aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>{theme === "dark" ? "☀" : "☾"}</button>
        </div>
      </header>
      <Route path={path} />
    </>
  );
}

// The console opened on the cluster list or a cluster's page (the landing page's module, preloaded
// by index.html): a cluster page's first reads start as soon as that module is in, rather than from
// the page's effects after the first render. The first render waits for the module LANDING_WAIT_MS
// at most (it is in already or about to be; the page then renders at once instead of "Loading…"
// first), never longer: a module fetch that stalls or a module that throws must not keep the
// console from rendering (the page then shows "Loading…", then the page or the import's error).
const LANDING_WAIT_MS = 500;
const [first, name, sub] = currentPath();
if ((first === undefined || first === "clusters") && !sub) {
  // Registered before the page's own wait for the module (lazy.tsx), so the prime runs first.
  const landing = clusters.load().then((m) => void (name && m.primeClusterPage(name)), () => undefined);
  await Promise.race([landing, new Promise((resolve) => setTimeout(resolve, LANDING_WAIT_MS))]);
}
startEvents();
render(<App />, document.getElementById("app")!);
