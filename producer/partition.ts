/**
 * Partition choice for keyed records, identical to the Java client's default partitioner (and kafkajs's
 * DefaultPartitioner): murmur2 of the key bytes, made positive, modulo the partition count. The library picks the
 * partition itself from the topic catalog's partition count, so the choice does not depend on the Kafka client and
 * services written in Java or Go (with a murmur2 partitioner) put the same key on the same partition.
 */

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): 32-bit, seed 0x9747b28c. */
export function murmur2(data: Buffer): number {
    const length = data.length;
    const seed = 0x9747b28c;
    const m = 0x5bd1e995;
    const r = 24;
    let h = seed ^ length;
    const length4 = length >> 2;
    for (let i = 0; i < length4; i++) {
        const i4 = i << 2;
        let k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8) | ((data[i4 + 2] & 0xff) << 16) | ((data[i4 + 3] & 0xff) << 24);
        k = Math.imul(k, m);
        k ^= k >>> r;
        k = Math.imul(k, m);
        h = Math.imul(h, m);
        h ^= k;
    }
    const tail = length4 << 2;
    const rest = length & 3;
    if (rest === 3) {
        h ^= (data[tail + 2] & 0xff) << 16;
    }
    if (rest >= 2) {
        h ^= (data[tail + 1] & 0xff) << 8;
    }
    if (rest >= 1) {
        h ^= data[tail] & 0xff;
        h = Math.imul(h, m);
    }
    h ^= h >>> 13;
    h = Math.imul(h, m);
    h ^= h >>> 15;
    return h | 0;
}

/** The partition the Java client's default partitioner gives a non-null key. */
export function partitionForKey(key: Buffer, partitions: number): number {
    return (murmur2(key) & 0x7fffffff) % partitions;
}
