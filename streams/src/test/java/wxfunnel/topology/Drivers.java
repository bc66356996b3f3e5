package wxfunnel.topology;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.InMemoryRegistry;
import wxfunnel.registry.SchemaRegistry;

/**
 * The topology drivers of a test class, on an in-memory registry of its own, each closed after
 * its test: {@code @RegisterExtension final Drivers drivers = new Drivers("MyTest");}
 */
final class Drivers implements AfterEachCallback {

  private final SchemaRegistry registry;
  private final List<FunnelDriver> open = new ArrayList<>();

  Drivers(final String scope) {
    this.registry = new InMemoryRegistry(scope);
  }

  SchemaRegistry registry() {
    return registry;
  }

  /** A driver of {@code ecosystem}'s topology under {@code config}. */
  FunnelDriver open(final Ecosystem ecosystem, final FunnelConfig config) {
    final FunnelDriver driver = new FunnelDriver(ecosystem, config, registry);
    open.add(driver);
    return driver;
  }

  @Override
  public void afterEach(final ExtensionContext context) {
    open.forEach(FunnelDriver::close);
    open.clear();
  }
}
