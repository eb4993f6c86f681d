import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;

/**
 * One OpenSearch node for the tests, from the jars Maven resolved (no distribution archive): the
 * HTTP/transport module and the common analysis module are loaded from the classpath, as
 * OpenSearch's own test nodes do. Usage: OpenSearchNode <home> <http port> <transport port>.
 */
public class OpenSearchNode {
  public static void main(String[] args) throws Exception {
    Settings settings = Settings.builder()
        .put("path.home", args[0])
        .put("path.data", Path.of(args[0], "data").toString())
        .put("path.logs", Path.of(args[0], "logs").toString())
        .put("cluster.name", "stayhub-test")
        .put("node.name", "stayhub-test")
        .put("discovery.type", "single-node")
        .put("network.host", "127.0.0.1")
        .put("http.port", args[1])
        .put("transport.port", args[2])
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .put("action.auto_create_index", false)
        .build();
    Node node = new Node(
        InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "stayhub-test"),
        List.of(org.opensearch.transport.Netty4Plugin.class, org.opensearch.analysis.common.CommonAnalysisPlugin.class),
        true) {};
    node.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
    new CountDownLatch(1).await();
  }
}
