package wxfunnel.cli;

import picocli.CommandLine.Option;
import wxfunnel.generator.Generator;

/** What the simulated producers get wrong, as flags: the disorder the processors must stand. */
final class DisorderOptions {

  @Option(names = "--ahead-share", paramLabel = "SHARE", defaultValue = "0",
      description = "Share of events sent by a producer whose clock is 1 to 10 min behind, so their event time lies ahead of "
          + "their record's timestamp; past --max-future they are INVALID_TIMESTAMP (default: ${DEFAULT-VALUE}).")
  double ahead;

  @Option(names = "--renotify-share", paramLabel = "SHARE", defaultValue = "0",
      description = "Share of payment retries sent under a new notification id (default: ${DEFAULT-VALUE}).")
  double renotify;

  @Option(names = "--unionid-race-share", paramLabel = "SHARE", defaultValue = "0",
      description = "Share of payments delivered first without their unionid, then with it (default: ${DEFAULT-VALUE}).")
  double unionidRace;

  Generator.Disorder disorder() {
    return new Generator.Disorder(ahead, renotify, unionidRace);
  }
}
