/** What a device answers to SCSI INQUIRY, as mtx and tapeinfo print it. */
export interface InquiryData {
  readonly productType: "Medium Changer" | "Tape Drive";
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
}

/** Fixed-width INQUIRY fields: space-padded (or cut) to the field's length. */
function field(value: string, width: number): string {
  return value.slice(0, width).padEnd(width, " ");
}

/** The five lines of `mtx inquiry` (1.3.x wording) and of tapeinfo's first block. */
export function formatInquiry(inquiry: InquiryData): string {
  return [
    `Product Type: ${inquiry.productType}`,
    `Vendor ID: '${field(inquiry.vendor, 8)}'`,
    `Product ID: '${field(inquiry.product, 16)}'`,
    `Revision: '${field(inquiry.revision, 4)}'`,
    "Attached Changer API: No",
    "",
  ].join("\n");
}
