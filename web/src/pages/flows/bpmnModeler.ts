// The bpmn-js Modeler and its palette font, loaded only when the BPMN view
// is switched to editing.
import Modeler from 'bpmn-js/lib/Modeler'
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css'

export default Modeler
