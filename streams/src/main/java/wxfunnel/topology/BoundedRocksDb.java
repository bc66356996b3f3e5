package wxfunnel.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of the JVM by one shared block cache, which also
 * accounts for the memtables (Kafka Streams' recommended setup), so memory does not grow with the
 * number of stores or partitions. Size: {@value #CACHE_BYTES_CONFIG}, default 256 MiB.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

  public static final String CACHE_BYTES_CONFIG = "wxfunnel.rocksdb.cache.bytes";
  static final long DEFAULT_CACHE_BYTES = 256L << 20;
  private static final double WRITE_BUFFER_SHARE = 0.5;
  /**
   * Each store's memtable. A memtable takes memory in arena blocks of an eighth of its size: at
   * Kafka Streams' 16 MiB, the first 2 MiB block of each of a JVM's hundreds of stores (stores
   * times partitions, both ecosystems) alone is more than the shared budget, which then flushes a
   * store's memtable at nearly every write, to tiny files compacted again and again: RocksDB's
   * flush and compaction threads took two thirds of the processor's CPU. At 2 MiB, the blocks of
   * 250 stores take 64 MiB, and a memtable fills before it is flushed.
   */
  static final long MEMTABLE_BYTES = 2L << 20;

  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  @Override
  public void setConfig(final String storeName, final Options options, final Map<String, Object> configs) {
    final Object configured = configs.get(CACHE_BYTES_CONFIG);
    final long bytes = configured == null ? DEFAULT_CACHE_BYTES : Long.parseLong(configured.toString());
    final BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(sharedCache(bytes));
    table.setCacheIndexAndFilterBlocks(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(writeBuffers);
    options.setWriteBufferSize(MEMTABLE_BYTES);
    options.setMaxWriteBufferNumber(2);
    options.setTableFormatConfig(table);
  }

  /** One cache for the whole JVM, created by the first store that opens. */
  private static synchronized Cache sharedCache(final long bytes) {
    if (cache == null) {
      cache = new LRUCache(bytes, -1, false, WRITE_BUFFER_SHARE);
      writeBuffers = new WriteBufferManager((long) (bytes * WRITE_BUFFER_SHARE), cache);
    }
    return cache;
  }

  @Override
  public void close(final String storeName, final Options options) {
    // The cache is shared by every store of the JVM and lives as long as it.
  }
}
