import type { MetricFamily } from './prometheus-text';

/** The process metrics Prometheus' client libraries export under these standard names. */
export function processFamilies(): MetricFamily[] {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: memory.rss }] },
    { name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch in seconds.', type: 'gauge', samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }] },
    { name: 'nodejs_heap_size_used_bytes', help: 'V8 heap in use, in bytes.', type: 'gauge', samples: [{ value: memory.heapUsed }] },
    { name: 'nodejs_heap_size_total_bytes', help: 'V8 heap allocated, in bytes.', type: 'gauge', samples: [{ value: memory.heapTotal }] },
  ];
}
