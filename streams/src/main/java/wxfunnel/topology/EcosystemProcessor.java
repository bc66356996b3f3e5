package wxfunnel.topology;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.Names;

/**
 * A processor of one ecosystem's topology, under its config. It keeps its context and finds its
 * stores by the contract's names ({@link Names}), so no processor spells a store of its own.
 */
abstract class EcosystemProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {

  final FunnelConfig config;
  final Names names;
  final Ecosystem ecosystem;
  ProcessorContext<KOut, VOut> context;

  EcosystemProcessor(final FunnelConfig config, final Names names) {
    this.config = config;
    this.names = names;
    this.ecosystem = names.ecosystem();
  }

  @Override
  public final void init(final ProcessorContext<KOut, VOut> context) {
    this.context = context;
    open();
  }

  /** Finds the stores and schedules the punctuators, once the context is known. */
  abstract void open();

  /** This ecosystem's store of that contract name. */
  final <S extends StateStore> S store(final String name) {
    return context.getStateStore(names.of(name));
  }
}
