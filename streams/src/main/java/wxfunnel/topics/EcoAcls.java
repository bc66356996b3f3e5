package wxfunnel.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import wxfunnel.events.Ecosystem;

/**
 * The ACLs one ecosystem's deployment needs, every one on a prefix of its own: its topics ({@code
 * <eco>.}), and its internal topics, consumer groups and transactional ids ({@code wxfunnel-<eco>},
 * shadows included). Given to one principal per ecosystem, on a broker with an authorizer, they
 * wall each ecosystem's processor off from the other's data.
 */
public final class EcoAcls {

  private EcoAcls() {}

  public static List<AclBinding> of(final Ecosystem ecosystem, final String principal) {
    final String topics = EcoTopic.prefix(ecosystem) + ".";
    final String application = EcoTopic.applicationId(ecosystem);
    final List<AclBinding> acls = new ArrayList<>();
    for (final AclOperation operation : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE,
        AclOperation.DESCRIBE_CONFIGS, AclOperation.CREATE)) {
      acls.add(allow(principal, ResourceType.TOPIC, topics, operation));
    }
    // Repartition topics and changelogs are created, and by a replay deleted, by the processor itself.
    acls.add(allow(principal, ResourceType.TOPIC, application, AclOperation.ALL));
    for (final AclOperation operation : List.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE)) {
      acls.add(allow(principal, ResourceType.GROUP, application, operation));
    }
    for (final AclOperation operation : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
      acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, application, operation));
    }
    return acls;
  }

  /** One line, as an operator reads it: {@code ALLOW User:weixin READ on TOPIC prefixed 'weixin.'}. */
  public static String describe(final AclBinding acl) {
    return acl.entry().permissionType() + " " + acl.entry().principal() + " " + acl.entry().operation() + " on "
        + acl.pattern().resourceType() + " " + acl.pattern().patternType().name().toLowerCase(Locale.ROOT) + " '" + acl.pattern().name() + "'";
  }

  private static AclBinding allow(final String principal, final ResourceType type, final String prefix, final AclOperation operation) {
    return new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
        new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
  }
}
