// The PostgreSQL JDBC driver (pgjdbc) against OmenDB through the PostgreSQL
// protocol: vectors as PGobject of type "vector" (as pgvector-java's PGvector
// is), which makes the driver look the type up in pg_type; addBatch and
// executeBatch for the load, an HNSW index, top-10 recall with and without a
// filter through PreparedStatement, vectors read back as PGobject, and an
// error's SQLSTATE. Run by run.sh under omendb-local (PGHOST, PGPORT, PGUSER,
// PGDATABASE, PGPASSWORD with SCRAM).

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.postgresql.util.PGobject;

public final class TestJdbc {
  static final int DIM = 32;
  static final int ROWS = 10000;
  static final int QUERIES = 30;
  static final int K = 10;
  static final double MIN_RECALL = 0.95;
  static final int EF_SEARCH = 100;

  static final float[][] vectors = new float[ROWS][DIM];
  static final int[] categories = new int[ROWS];
  static final float[][] queries = new float[QUERIES][DIM];
  static Connection conn;

  /** splitmix64: the same data on every machine; 24-bit floats in [0, 1). */
  static long state = 6;

  static float uniform() {
    state += 0x9e3779b97f4a7c15L;
    long z = state;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    z ^= z >>> 31;
    return (float) (z >>> 40) / 16777216f;
  }

  static String text(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      if (i > 0) b.append(',');
      b.append(v[i]); // Float.toString: the shortest text that reads back as v[i]
    }
    return b.append(']').toString();
  }

  static float[] parse(String s) {
    if (!s.startsWith("[") || !s.endsWith("]")) throw new IllegalArgumentException("not a vector: " + s);
    String[] parts = s.substring(1, s.length() - 1).split(",");
    float[] v = new float[parts.length];
    for (int i = 0; i < parts.length; i++) v[i] = Float.parseFloat(parts[i]);
    return v;
  }

  static PGobject vector(float[] v) throws SQLException {
    PGobject o = new PGobject();
    o.setType("vector");
    o.setValue(text(v));
    return o;
  }

  static List<Long> exact(float[] q, int category) {
    List<double[]> scored = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      if (category >= 0 && categories[i] != category) continue;
      double s = 0;
      for (int j = 0; j < DIM; j++) {
        double d = (double) vectors[i][j] - (double) q[j];
        s += d * d;
      }
      scored.add(new double[] {s, i + 1});
    }
    scored.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < K && i < scored.size(); i++) ids.add((long) scored.get(i)[1]);
    return ids;
  }

  static double recall(List<Long> found, List<Long> want) {
    Set<Long> set = new HashSet<>(found);
    long hit = want.stream().filter(set::contains).count();
    return (double) hit / want.size();
  }

  static void check(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  static void checkRecall(String label, double[] recalls) {
    double avg = Arrays.stream(recalls).average().orElse(0);
    double min = Arrays.stream(recalls).min().orElse(0);
    System.out.printf("     %s: recall@%d %.3f over %d queries (min %.2f)%n", label, K, avg, recalls.length, min);
    check(avg >= MIN_RECALL, label + ": recall " + avg + " < " + MIN_RECALL);
  }

  static void execute(String sql) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  // ---------- tests ----------

  static void connectsAndFindsVectorType() throws SQLException {
    String url = "jdbc:postgresql://" + System.getenv("PGHOST") + ":" + System.getenv("PGPORT") + "/"
        + System.getenv("PGDATABASE");
    Properties p = new Properties();
    p.setProperty("user", System.getenv("PGUSER"));
    String password = System.getenv("PGPASSWORD");
    if (password != null) p.setProperty("password", password);
    conn = DriverManager.getConnection(url, p);
    String version = conn.getMetaData().getDatabaseProductVersion();
    check(version.startsWith("15"), "server version " + version);
    execute("CREATE EXTENSION IF NOT EXISTS vector");
    try (PreparedStatement ps = conn.prepareStatement("SELECT ?::text")) {
      ps.setObject(1, vector(new float[] {1, 2.5f, -3}));
      try (ResultSet rs = ps.executeQuery()) {
        check(rs.next() && rs.getString(1).equals("[1,2.5,-3]"), "vector parameter as text");
      }
    }
  }

  static void executeBatchLoadsAllRows() throws SQLException {
    execute("CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(" + DIM + "))");
    try (PreparedStatement ps =
        conn.prepareStatement("INSERT INTO items (id, category, embedding) VALUES (?, ?, ?)")) {
      for (int i = 0; i < ROWS; i++) {
        ps.setLong(1, i + 1);
        ps.setInt(2, categories[i]);
        ps.setObject(3, vector(vectors[i]));
        ps.addBatch();
        if ((i + 1) % 1000 == 0) {
          int[] counts = ps.executeBatch();
          check(counts.length == 1000, "batch of " + counts.length);
          for (int c : counts) check(c == 1, "a batch row inserted " + c + " rows");
        }
      }
    }
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
      check(rs.next() && rs.getLong(1) == ROWS, "count(*) after the batches");
    }
  }

  static void createIndexHnswBuilds() throws SQLException {
    execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)");
    execute("SET hnsw.ef_search = " + EF_SEARCH);
  }

  static List<Long> ids(PreparedStatement ps, int category) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getLong("id"));
        if (category >= 0) check(rs.getInt("category") == category, "a row outside the filter");
      }
    }
    check(ids.size() == K, ids.size() + " rows");
    return ids;
  }

  static void searchRecall() throws SQLException {
    double[] recalls = new double[QUERIES];
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT id FROM items ORDER BY embedding <-> ? LIMIT 10")) {
      for (int i = 0; i < QUERIES; i++) {
        ps.setObject(1, vector(queries[i]));
        recalls[i] = recall(ids(ps, -1), exact(queries[i], -1));
      }
    }
    checkRecall("unfiltered", recalls);
  }

  static void filteredSearchRecall() throws SQLException {
    execute("SET hnsw.iterative_scan = strict_order");
    double[] recalls = new double[QUERIES];
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT id, category FROM items WHERE category = ? ORDER BY embedding <-> ? LIMIT 10")) {
      for (int i = 0; i < QUERIES; i++) {
        ps.setInt(1, 3);
        ps.setObject(2, vector(queries[i]));
        recalls[i] = recall(ids(ps, 3), exact(queries[i], 3));
      }
    }
    execute("RESET hnsw.iterative_scan");
    checkRecall("filter category = 3", recalls);
  }

  static void vectorsReadBackAsPgobject() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT embedding FROM items WHERE id = ?")) {
      for (long id : new long[] {1, 3333, ROWS}) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          check(rs.next(), "row " + id);
          Object o = rs.getObject(1);
          check(o instanceof PGobject && "vector".equals(((PGobject) o).getType()), "loaded as " + o.getClass());
          check(Arrays.equals(parse(((PGobject) o).getValue()), vectors[(int) id - 1]), "row " + id + " differs");
        }
      }
    }
  }

  static void wrongDimensionFails22000() throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("INSERT INTO items (id, category, embedding) VALUES (?, ?, ?)")) {
      ps.setLong(1, 60001);
      ps.setInt(2, 1);
      ps.setObject(3, vector(new float[] {1, 2, 3}));
      ps.executeUpdate();
      check(false, "a 3-dimensional vector went into vector(" + DIM + ")");
    } catch (SQLException e) {
      check("22000".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
    }
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
      check(rs.next() && rs.getInt(1) == 1, "connection unusable after the error");
    }
  }

  interface Test {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < DIM; j++) vectors[i][j] = uniform();
      categories[i] = (int) (uniform() * 10);
    }
    for (float[] q : queries) for (int j = 0; j < DIM; j++) q[j] = uniform();

    String[] names = {"connectsAndFindsVectorType", "executeBatchLoadsAllRows", "createIndexHnswBuilds",
        "searchRecall", "filteredSearchRecall", "vectorsReadBackAsPgobject", "wrongDimensionFails22000"};
    Test[] tests = {TestJdbc::connectsAndFindsVectorType, TestJdbc::executeBatchLoadsAllRows,
        TestJdbc::createIndexHnswBuilds, TestJdbc::searchRecall, TestJdbc::filteredSearchRecall,
        TestJdbc::vectorsReadBackAsPgobject, TestJdbc::wrongDimensionFails22000};
    int passed = 0;
    int failed = 0;
    for (int i = 0; i < tests.length; i++) {
      long t0 = System.nanoTime();
      try {
        tests[i].run();
        passed++;
        System.out.printf("ok   %s (%.1f s)%n", names[i], (System.nanoTime() - t0) / 1e9);
      } catch (Throwable e) {
        failed++;
        System.out.printf("FAIL %s (%.1f s): %s%n", names[i], (System.nanoTime() - t0) / 1e9, e);
        e.printStackTrace(System.out);
      }
    }
    if (conn != null) conn.close();
    System.out.printf("%d passed, %d failed%n", passed, failed);
    System.exit(failed == 0 && passed > 0 ? 0 : 1);
  }
}
