export { type Browser, launchBrowser, testChromium } from './launch-browser.js';
