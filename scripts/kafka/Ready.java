// Readiness probe for the test broker started by kafka.sh (run with the broker's own jars:
// `java -cp "<libs>/*" Ready.java <bootstrap> <timeoutSeconds>`). It asks the broker through the
// Kafka protocol (Admin.describeCluster + listTopics) until it answers with at least one live,
// registered broker and a controller, or the deadline passes. Exit 0 = ready, 1 = not ready in time.
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

public class Ready {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long timeoutSeconds = Long.parseLong(args[1]);
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "254carbon-ready-probe");
        String last = "no answer yet";
        try (Admin admin = Admin.create(props)) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    DescribeClusterResult cluster = admin.describeCluster();
                    int nodes = cluster.nodes().get(5, TimeUnit.SECONDS).size();
                    Node controller = cluster.controller().get(5, TimeUnit.SECONDS);
                    admin.listTopics().names().get(5, TimeUnit.SECONDS);
                    if (nodes >= 1 && controller != null && !controller.isEmpty()) {
                        System.out.println("ready: " + nodes + " broker(s), cluster " + cluster.clusterId().get(5, TimeUnit.SECONDS));
                        return;
                    }
                    last = nodes + " broker(s), no controller yet";
                } catch (Exception e) {
                    last = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                Thread.sleep(Duration.ofMillis(500).toMillis());
            }
        }
        System.err.println("not ready after " + timeoutSeconds + "s: " + last);
        System.exit(1);
    }
}
