import { randomInt } from "node:crypto";

const ADJECTIVES = [
  "brave",
  "calm",
  "clever",
  "eager",
  "gentle",
  "happy",
  "jolly",
  "keen",
  "lively",
  "lucky",
  "mellow",
  "nimble",
  "proud",
  "quick",
  "quiet",
  "shiny",
  "steady",
  "swift",
  "tidy",
  "witty",
];
const ANIMALS = [
  "badger",
  "beaver",
  "bison",
  "crane",
  "dingo",
  "falcon",
  "ferret",
  "gecko",
  "heron",
  "ibis",
  "koala",
  "lemur",
  "lynx",
  "marmot",
  "otter",
  "panda",
  "puffin",
  "raven",
  "tapir",
  "walrus",
];

/** Readable default names for runs ("brave-otter"), as Prefect gives them. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}`;
}
