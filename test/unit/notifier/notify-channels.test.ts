import { describe, expect, it } from "vitest";
import { createNotifyRequestHandler } from "../../../services/notifier/handle-requests.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { PermanentWorkError } from "../../../shared/nats/index.ts";
import { workContext } from "../../helpers/work-context.ts";

const log = createLogger({ service: "notifier", stream: { write: () => true } });

function contextOn(subject: string) {
  return workContext({ subject, log });
}

describe("the notifier's channels", () => {
  it("dead-letters a request on a channel it does not have (NOTIFY_CHANNEL_UNKNOWN) at once", async () => {
    const handle = createNotifyRequestHandler({
      mail: null,
      admins: [],
      chat: null,
      maxDeliveries: 5,
      log,
    });
    const error = await handle({}, contextOn("pyt.lib1.work.notifier.pager")).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PermanentWorkError);
    expect(error).toMatchObject({
      code: "NOTIFY_CHANNEL_UNKNOWN",
      message:
        "A notification request came on pyt.lib1.work.notifier.pager, but the notifier only sends mail and chat.",
    });
  });
});
