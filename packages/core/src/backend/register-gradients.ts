// tfjs-core registers no gradients on its own; training needs them. The build inlines this module's
// gradient configs (rewritten to import the public `@tensorflow/tfjs-core`, so no second engine is made)
// and keeps it as a separate file listed in package.json "sideEffects".
import '@tensorflow/tfjs-core/dist/register_all_gradients';
