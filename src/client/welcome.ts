/**
 * The welcome-view choice for the UI, which reaches the engine's pure functions only
 * through src/client.
 */
export { welcomeViewFor, type WelcomeView } from '../engine/welcome';
