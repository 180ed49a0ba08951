/** What pytarchive asked mtx to do; errors use it to name the drive and slots in the user's words. */
export type MtxRequest =
  | { readonly operation: "status" }
  | { readonly operation: "load"; readonly slot: number; readonly drive: number }
  | { readonly operation: "unload"; readonly drive: number; readonly slot: number }
  | { readonly operation: "transfer"; readonly fromSlot: number; readonly toSlot: number };

export type MtxOperation = MtxRequest["operation"];

/**
 * "loading slot 7 into drive 1" — the request as a phrase for messages.
 *
 * @example describeMtxRequest({ operation: "unload", drive: 0, slot: 6 }) // "unloading drive 0 into slot 6"
 */
export function describeMtxRequest(request: MtxRequest): string {
  switch (request.operation) {
    case "status":
      return "reading the library status";
    case "load":
      return `loading slot ${request.slot} into drive ${request.drive}`;
    case "unload":
      return `unloading drive ${request.drive} into slot ${request.slot}`;
    case "transfer":
      return `moving the tape in slot ${request.fromSlot} to slot ${request.toSlot}`;
  }
}
