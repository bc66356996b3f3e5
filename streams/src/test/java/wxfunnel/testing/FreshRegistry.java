package wxfunnel.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;

/**
 * A registry of its own for one test class, on the shared broker, over real HTTP:
 * {@code @RegisterExtension static final FreshRegistry registry = new FreshRegistry();}
 */
public final class FreshRegistry implements BeforeAllCallback, AfterAllCallback {

  private RegistryServer server;
  private RegistryClient client;

  @Override
  public void beforeAll(final ExtensionContext context) {
    server = SharedKafka.freshRegistry();
    client = new RegistryClient(server.url());
  }

  @Override
  public void afterAll(final ExtensionContext context) {
    server.close();
  }

  public RegistryClient client() {
    return client;
  }

  public String url() {
    return server.url();
  }
}
