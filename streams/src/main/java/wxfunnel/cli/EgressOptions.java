package wxfunnel.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import wxfunnel.egress.Egress;

/** What may leave an ecosystem's wall, as flags. */
final class EgressOptions {

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--min-cell-users", paramLabel = "K", defaultValue = "" + Egress.DEFAULT_MIN_CELL_USERS,
      description = "Fewest distinct persons behind a number that leaves an ecosystem, and behind a change of one;"
          + " at least " + Egress.LOWEST_MIN_CELL_USERS + " (default: ${DEFAULT-VALUE}).")
  int minCellUsers;

  /** The threshold, once checked: one clear error when it is below the lowest allowed. */
  int minCellUsers() {
    try {
      return Egress.checked(minCellUsers);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }
}
