package wxfunnel.cli;

import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;
import wxfunnel.generator.Generator;

/** What the simulated producers do, as flags: how they key their records, and the disorder the processors must stand. */
final class ProducerOptions implements UnaryOperator<Generator.Settings> {

  @Option(names = "--key-by", paramLabel = "app-openid|person", defaultValue = "app-openid", converter = KeyByChoice.class,
      description = "Key of each record: the openid of the app that saw it, or the person key (unionid, else app and openid), "
          + "which puts a record on its person's partition and lets it skip the re-keying (default: ${DEFAULT-VALUE}).")
  Generator.KeyBy keyBy;

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

  @Override
  public Generator.Settings apply(final Generator.Settings settings) {
    return settings.withDisorder(new Generator.Disorder(ahead, renotify, unionidRace)).withKeyBy(keyBy);
  }
}
