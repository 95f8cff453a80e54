import type { Attributes, Context, SpanKind } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { KEPT_ATTRIBUTE } from '../../application/decision-trace.ts';

/**
 * The root sampler: a decision trace's tick (`frame received`, marked with KEPT_ATTRIBUTE) was already
 * chosen by the loop — always when it caused an order, at the sample rate otherwise — so it is kept;
 * any other root span is kept at the sample rate, by trace id. Children follow their parent
 * (wrapped in a ParentBasedSampler).
 */
export class DecisionSampler implements Sampler {
  private readonly ratio: TraceIdRatioBasedSampler;

  constructor(private readonly rate: number) {
    this.ratio = new TraceIdRatioBasedSampler(rate);
  }

  shouldSample(context: Context, traceId: string, _name: string, _kind: SpanKind, attributes: Attributes): SamplingResult {
    if (attributes[KEPT_ATTRIBUTE] === true) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.ratio.shouldSample(context, traceId);
  }

  toString(): string {
    return `DecisionSampler{rate=${this.rate}}`;
  }
}
