/** Slots (concurrency limit), supervised() (timeout, interrupt, grace) and startedSince, by order of events. */
import { describe, expect, test } from "bun:test";
import { supervised, timeoutOption } from "../../src/engine/deadline.ts";
import { Slots } from "../../src/engine/slots.ts";
import { moment, ownMarker, startedSince } from "../../src/host/supervisor.ts";

describe("Slots", () => {
  test("at most `limit` run at once; the rest are told they wait and run in order", async () => {
    const slots = new Slots(2);
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const queued: string[] = [];
    const job = (name: string) =>
      slots.run(
        async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(name);
          await Bun.sleep(10);
          running--;
        },
        () => queued.push(name),
      );
    await Promise.all(["a", "b", "c", "d", "e"].map(job));
    expect(peak).toBe(2);
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
    expect(queued).toEqual(["c", "d", "e"]);
  });

  test("a failing job frees its slot", async () => {
    const slots = new Slots(1);
    await expect(slots.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await slots.run(async () => 1)).toBe(1);
  });
});

describe("supervised", () => {
  test("past its timeout the code's signal aborts and the call fails with TIMEOUT", async () => {
    let aborted = false;
    const call = supervised({ signal: new AbortController().signal, timeoutMs: 20, what: "Task x", graceMs: 50 }, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      aborted = true;
      throw new Error("stopped");
    });
    await expect(call).rejects.toMatchObject({ code: "TIMEOUT", message: "Task x timed out after 20ms" });
    expect(aborted).toBe(true);
  });

  test("code that ignores the signal is abandoned after the grace period", async () => {
    const interrupt = new AbortController();
    const call = supervised({ signal: interrupt.signal, what: "Task x", graceMs: 20 }, () => new Promise(() => {}));
    interrupt.abort();
    await expect(call).rejects.toMatchObject({ code: "INTERRUPTED" });
  });

  test("an interrupt while the code finishes still cancels it", async () => {
    const interrupt = new AbortController();
    const call = supervised({ signal: interrupt.signal, what: "Hook", graceMs: 1000 }, async () => {
      interrupt.abort();
      return "done";
    });
    await expect(call).rejects.toMatchObject({ code: "INTERRUPTED" });
  });

  test("without trouble it returns the result", async () => {
    expect(await supervised({ signal: new AbortController().signal, timeoutMs: 1000, what: "x" }, async () => 42)).toBe(42);
  });

  test("timeout options: durations, and config errors otherwise", () => {
    expect(timeoutOption(undefined, "t")).toBeUndefined();
    expect(timeoutOption("30s", "t")).toBe(30_000);
    expect(timeoutOption(500, "t")).toBe(500);
    expect(() => timeoutOption("soon", 'task "t"')).toThrow('task "t": timeout "soon" is not a duration');
    expect(() => timeoutOption(0, "t")).toThrow();
  });
});

describe("startedSince", () => {
  // The whole suite runs in one process, and e2e tests' children inherit this process's
  // marker: another test's late child may rightly be found too, so the test checks its own
  // three children (marked before, marked since, unmarked since) rather than the whole list.
  test("finds this process's marked children started since the moment, not one from before nor an unmarked one; also when every pid is looked at", async () => {
    const marker = ownMarker();
    const [key = "", value = ""] = [marker.slice(0, marker.indexOf("=")), marker.slice(marker.indexOf("=") + 1)];
    const sleep = (env: Record<string, string | undefined>) =>
      Bun.spawn(["sleep", "30"], { env, stdout: "ignore", stderr: "ignore" });
    const before = sleep({ ...process.env, [key]: value });
    await Bun.sleep(30); // past the clock tick it started in
    const since = moment();
    const after = sleep({ ...process.env, [key]: value });
    const unmarked = sleep({ ...process.env, [key]: undefined });
    try {
      for (const m of [since, { ...since, at: since.at - 60_000 }]) {
        // an old moment: every process is read, not only pids handed out since
        const pids = startedSince(m).map((p) => p.pid);
        expect(pids).toContain(after.pid);
        expect(pids).not.toContain(before.pid);
        expect(pids).not.toContain(unmarked.pid);
      }
    } finally {
      for (const child of [before, after, unmarked]) child.kill();
    }
  });
});
