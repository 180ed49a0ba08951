import type { LibraryStatus, MtxChanger } from "../../shared/hardware/mtx/index.ts";
import { changerUnavailable } from "./answer-status.ts";

/** `mtx status` for everyone in the changer: the status endpoint, the inventory, the writer. */
export interface LibraryReader {
  /** A fresh `mtx status`; rejects with CHANGER_UNAVAILABLE when there is no changer to ask. */
  read(): Promise<LibraryStatus>;
  /** Resolves once no `mtx status` runs (a stop waits for it). */
  idle(): Promise<void>;
}

/**
 * Runs one `mtx status` at a time: requests arriving while one runs share its result, so a burst
 * of status requests costs one robot inquiry. `changer` is null when it could not be set up;
 * `whyNoChanger` then says why, in every refusal.
 *
 * @example
 * const reader = createLibraryReader(createMtxChanger({ mtxPath, device }), "");
 * (await reader.read()).drives.length; // 2
 */
export function createLibraryReader(
  changer: MtxChanger | null,
  whyNoChanger: { readonly reason: string; readonly hint?: string | undefined },
): LibraryReader {
  let reading: Promise<LibraryStatus> | null = null;
  return {
    read() {
      if (changer === null) {
        return Promise.reject(changerUnavailable(whyNoChanger.reason, whyNoChanger.hint));
      }
      reading ??= changer.status().finally(() => {
        reading = null;
      });
      return reading;
    },
    async idle() {
      await reading?.catch(() => {});
    },
  };
}
