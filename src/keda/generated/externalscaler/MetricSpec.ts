// Original file: proto/externalscaler.proto

import type { Long } from '@grpc/proto-loader';

export interface MetricSpec {
  'metricName'?: (string);
  /**
   * @deprecated
   */
  'targetSize'?: (number | string | Long);
  'targetSizeFloat'?: (number | string);
}

export interface MetricSpec__Output {
  'metricName': (string);
  /**
   * @deprecated
   */
  'targetSize': (number);
  'targetSizeFloat': (number);
}
