/** How an operator starts pytarchive, for every "cannot reach it" message of the CLI. */
export const START_HINT =
  "Start pytarchive with `npm start` in the pytarchive folder, or with `systemctl start pytarchive` where it is installed as a service.";
