import type { InventoryReport } from "../../../services/inventory/engine/index.ts";

const GiB = 1024 * 1024;

/** A hand-made report: /srv/home with every group and two unreadable subfolders, /srv/gone not listed. */
export const SAMPLE_REPORT: InventoryReport = {
  takenAt: "2026-11-26T06:00:00.000Z",
  timeoutMs: 10_000,
  sources: [
    {
      folder: "/srv/home",
      listError: null,
      groups: [
        {
          id: "older-than-2-years",
          label: "older than 2 years",
          subfolders: [
            {
              path: "/srv/home/alice",
              name: "alice",
              sizeKiB: 1536 * GiB,
              lastChange: "2023-09-01T00:00:00.000Z",
              ageDays: 1182,
            },
            {
              path: "/srv/home/bob",
              name: "bob",
              sizeKiB: 200 * 1024,
              lastChange: "2024-01-15T00:00:00.000Z",
              ageDays: 1046,
            },
          ],
          totalKiB: 1536 * GiB + 200 * 1024,
        },
        { id: "older-than-1-year", label: "older than 1 year", subfolders: [], totalKiB: 0 },
        {
          id: "older-than-6-months",
          label: "older than 6 months",
          subfolders: [
            {
              path: "/srv/home/carol",
              name: "carol",
              sizeKiB: 3 * GiB + 300 * 1024,
              lastChange: "2026-04-10T00:00:00.000Z",
              ageDays: 230,
            },
          ],
          totalKiB: 3 * GiB + 300 * 1024,
        },
        {
          id: "recent",
          label: "recently changed",
          subfolders: [
            {
              path: "/srv/home/dave",
              name: "dave",
              sizeKiB: 12,
              lastChange: "2026-11-14T05:00:00.000Z",
              ageDays: 12,
            },
          ],
          totalKiB: 12,
        },
      ],
      unreadable: [
        {
          path: "/srv/home/erin",
          name: "erin",
          reason: "du: cannot read directory '/srv/home/erin/private': Permission denied",
          partialSizeKiB: 2 * GiB,
          lastChange: "2025-09-20T00:00:00.000Z",
        },
        {
          path: "/srv/home/frank",
          name: "frank",
          reason: "did not answer within 10 s",
          partialSizeKiB: null,
          lastChange: null,
        },
      ],
      totals: {
        groups: [
          {
            id: "older-than-2-years",
            label: "older than 2 years",
            count: 2,
            totalKiB: 1536 * GiB + 200 * 1024,
          },
          { id: "older-than-1-year", label: "older than 1 year", count: 0, totalKiB: 0 },
          {
            id: "older-than-6-months",
            label: "older than 6 months",
            count: 1,
            totalKiB: 3 * GiB + 300 * 1024,
          },
          { id: "recent", label: "recently changed", count: 1, totalKiB: 12 },
        ],
        measuredCount: 4,
        totalKiB: 1539 * GiB + 500 * 1024 + 12,
        unreadableCount: 2,
        unlistedCount: 0,
      },
    },
    {
      folder: "/srv/gone",
      listError: "does not exist (ENOENT)",
      groups: [
        { id: "older-than-2-years", label: "older than 2 years", subfolders: [], totalKiB: 0 },
        { id: "older-than-1-year", label: "older than 1 year", subfolders: [], totalKiB: 0 },
        { id: "older-than-6-months", label: "older than 6 months", subfolders: [], totalKiB: 0 },
        { id: "recent", label: "recently changed", subfolders: [], totalKiB: 0 },
      ],
      unreadable: [],
      totals: {
        groups: [
          { id: "older-than-2-years", label: "older than 2 years", count: 0, totalKiB: 0 },
          { id: "older-than-1-year", label: "older than 1 year", count: 0, totalKiB: 0 },
          { id: "older-than-6-months", label: "older than 6 months", count: 0, totalKiB: 0 },
          { id: "recent", label: "recently changed", count: 0, totalKiB: 0 },
        ],
        measuredCount: 0,
        totalKiB: 0,
        unreadableCount: 0,
        unlistedCount: 1,
      },
    },
  ],
  totals: {
    groups: [
      {
        id: "older-than-2-years",
        label: "older than 2 years",
        count: 2,
        totalKiB: 1536 * GiB + 200 * 1024,
      },
      { id: "older-than-1-year", label: "older than 1 year", count: 0, totalKiB: 0 },
      {
        id: "older-than-6-months",
        label: "older than 6 months",
        count: 1,
        totalKiB: 3 * GiB + 300 * 1024,
      },
      { id: "recent", label: "recently changed", count: 1, totalKiB: 12 },
    ],
    measuredCount: 4,
    totalKiB: 1539 * GiB + 500 * 1024 + 12,
    unreadableCount: 2,
    unlistedCount: 1,
  },
};
