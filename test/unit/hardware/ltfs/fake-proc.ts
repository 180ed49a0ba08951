import fs from "node:fs";
import path from "node:path";

/**
 * A process table in a folder, laid out like /proc: `<root>/<pid>/cmdline` (NUL-separated
 * arguments) and `<root>/<pid>/stat` ("pid (comm) S …").
 */
export class FakeProcessTable {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
    fs.mkdirSync(root, { recursive: true });
  }

  start(pid: number, args: readonly string[]): void {
    const dir = path.join(this.root, String(pid));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cmdline"), `${args.join("\0")}\0`);
    this.#writeState(pid, args[0] ?? "", "S");
  }

  /** The process has exited but is not reaped yet: state Z, empty command line (as Linux shows it). */
  becomeZombie(pid: number): void {
    const comm = this.#comm(pid);
    fs.writeFileSync(path.join(this.root, String(pid), "cmdline"), "");
    this.#writeState(pid, comm, "Z");
  }

  /** The process is gone from the table (reaped). */
  reap(pid: number): void {
    fs.rmSync(path.join(this.root, String(pid)), { recursive: true, force: true });
  }

  #writeState(pid: number, program: string, state: string): void {
    const comm = path.basename(program).slice(0, 15);
    fs.writeFileSync(
      path.join(this.root, String(pid), "stat"),
      `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 4194624 0 0 0 0 0 0 0 0 20 0 3 0\n`,
    );
  }

  #comm(pid: number): string {
    const stat = fs.readFileSync(path.join(this.root, String(pid), "stat"), "utf8");
    return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  }
}
